// ESLint for the map code the browser runs (static/crossings/*.js): plain ES5 scripts, no build step.
"use strict";
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  // Files the app writes at run time (geo/ui/data.py, geo/ui/mapwidget.py): data and generated code.
  { ignores: ["static/crossings/data/"] },
  js.configs.recommended,
  {
    files: ["static/crossings/*.js"],
    languageOptions: {
      ecmaVersion: 5,
      sourceType: "script",
      // ES5 syntax; the ES2015 built-ins every supported browser has; Leaflet, and map.js for the other files.
      globals: { ...globals.browser, Uint8Array: "readonly", Int8Array: "readonly", Uint16Array: "readonly", Uint32Array: "readonly", Int32Array: "readonly", Float32Array: "readonly", Float64Array: "readonly", Int16Array: "readonly", Path2D: "readonly", Set: "readonly", Map: "readonly", L: "readonly", CrossingsMap: "readonly" }
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-implicit-globals": "error",
      strict: ["error", "function"]
    }
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node }
  }
];
