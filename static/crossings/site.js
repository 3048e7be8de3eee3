/* Crossings published site: filters, timeline strip, details panel and the URL fragment, in the browser.
 * The data is window.CrossingsSiteData (geo/site.py); drawing is map.js's (CrossingsMap.draw, .legend,
 * .basemap, .highlight). select() must choose exactly what geo/filters.py apply_filters chooses:
 * tests/browser/test_site.py compares the two on random filters. Every string from data reaches the
 * page through textContent or CrossingsMap's own escaping, never as HTML. */
(function () {
  "use strict";

  // The page's words come from the data (geo/site.py sends i18n.js_messages): t("English") looks one up and
  // fills its {named} placeholders; an id the data lacks shows as written.
  var WORDS = (window.CrossingsSiteData && window.CrossingsSiteData.messages) || {};
  function t(id, values) {
    var text = Object.prototype.hasOwnProperty.call(WORDS, id) ? WORDS[id] : id;
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return values && values[key] !== undefined ? String(values[key]) : whole;
    });
  }
  var MONTHS = [t("Jan"), t("Feb"), t("Mar"), t("Apr"), t("May"), t("Jun"), t("Jul"), t("Aug"), t("Sep"), t("Oct"),
    t("Nov"), t("Dec")];
  var CONFIDENCE_WORDS = {
    confirmed: t("confirmed"), "single-source": t("single-source"), inferred: t("inferred"), unknown: t("unknown")
  };
  var FILTER_KEYS = ["from", "to", "crossing", "kind", "confidence"];

  // ---------------------------------------------------------------- dates (geo.schema.parse_partial_date)
  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
  }
  function iso(y, m, d) { return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2); }
  function lastDay(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }

  // The first and last day a partial ISO date ('2023', '2023-10', '2023-10-09') covers.
  function partialSpan(text) {
    var parts = String(text).split("-").map(Number);
    var y = parts[0];
    if (parts.length === 1) return [iso(y, 1, 1), iso(y, 12, 31)];
    if (parts.length === 2) return [iso(y, parts[1], 1), iso(y, parts[1], lastDay(y, parts[1]))];
    return [iso(y, parts[1], parts[2]), iso(y, parts[1], parts[2])];
  }

  // geo.io.add_date_spans: [first day, last day] of a feature, or null when undated.
  function recordSpan(r) {
    if (r.start === null || r.start === undefined) return null;
    var first = partialSpan(r.start);
    return [first[0], r.end ? partialSpan(r.end)[1] : first[1]];
  }

  // ---------------------------------------------------------------- filtering (geo.filters.apply_filters)
  var POINT_LAYERS = { detention_centres: 1, crossings: 1, receiving_facilities: 1 };

  function prepare(data) {
    data.records.forEach(function (r) {
      var s = recordSpan(r);
      r._s = s ? s[0] : null;
      r._e = s ? s[1] : null;
    });
  }

  function emptySpec() { return { from: null, to: null, crossings: [], kinds: [], confidence: "unknown" }; }

  // A boolean per record: shown under the spec.
  function select(data, spec) {
    var R = data.records, n = R.length, i, r;
    var allowed = new Set(data.allowed[spec.confidence || "unknown"] || []);
    var kinds = spec.kinds && spec.kinds.length ? new Set(spec.kinds) : null;
    var attribute = new Uint8Array(n), shown = new Uint8Array(n);
    for (i = 0; i < n; i++) {
      r = R[i];
      var a = allowed.has(r.confidence) && (!kinds || kinds.has(r.kind));
      var inDates = r._s === null || ((spec.from === null || r._e >= spec.from) && (spec.to === null || r._s <= spec.to));
      attribute[i] = a ? 1 : 0;
      shown[i] = a && inDates ? 1 : 0;
    }
    var selected = spec.crossings && spec.crossings.length ? new Set(spec.crossings) : null;
    if (selected) {
      var endpoints = new Set();
      for (i = 0; i < n; i++) {
        r = R[i];
        if (r.layer === "crossings" && !selected.has(r.id)) shown[i] = 0;
        if (r.layer === "routes") {
          if (!selected.has(r.crossing)) shown[i] = 0;
          if (shown[i]) { endpoints.add(r.from); endpoints.add(r.to); }
        }
      }
      for (i = 0; i < n; i++) {
        r = R[i];
        if ((r.layer === "detention_centres" || r.layer === "receiving_facilities") && !endpoints.has(r.id)) shown[i] = 0;
        if (r.layer === "events" && shown[i] && !r.crossings.some(function (c) { return selected.has(c); })) shown[i] = 0;
      }
    }
    // A leg is shown only with both its ends available, and brings them even when their dates are outside.
    var available = new Set();
    for (i = 0; i < n; i++) if (POINT_LAYERS[R[i].layer] && attribute[i]) available.add(R[i].id);
    var needed = new Set();
    for (i = 0; i < n; i++) {
      r = R[i];
      if (r.layer !== "routes") continue;
      if (!(available.has(r.from) && available.has(r.to))) shown[i] = 0;
      if (shown[i]) { needed.add(r.from); needed.add(r.to); }
    }
    for (i = 0; i < n; i++) {
      if (POINT_LAYERS[R[i].layer] && attribute[i] && needed.has(R[i].id)) shown[i] = 1;
    }
    return shown;
  }

  // Shown ids per layer (for checks against geo.filters).
  function selectIds(spec) {
    var shown = select(DATA, normalise(spec));
    var out = {};
    DATA.records.forEach(function (r, i) {
      if (!out[r.layer]) out[r.layer] = [];
      if (shown[i]) out[r.layer].push(r.id);
    });
    return out;
  }

  // ---------------------------------------------------------------- the sentence (geo.filters.describe)
  function formatDay(text) {
    var p = text.split("-").map(Number);
    return t("{day} {month} {year}", { day: p[2], month: MONTHS[p[1] - 1], year: p[0] });
  }
  function formatRange(from, to) {
    if (from === null && to === null) return t("all dates");
    if (from === null) return t("until {date}", { date: formatDay(to) });
    if (to === null) return t("from {date}", { date: formatDay(from) });
    if (from === to) return formatDay(from);
    var a = from.split("-").map(Number), b = to.split("-").map(Number);
    if (a[0] === b[0] && a[1] === b[1]) {
      return t("{first}\u2013{last} {month} {year}", { first: a[2], last: b[2], month: MONTHS[b[1] - 1], year: b[0] });
    }
    if (a[0] === b[0]) {
      return t("{day} {month} \u2013 {date}", { day: a[2], month: MONTHS[a[1] - 1], date: formatDay(to) });
    }
    return formatDay(from) + " \u2013 " + formatDay(to);
  }
  function join(items) {
    if (items.length <= 2) return items.join(t(" and "));
    return items.slice(0, -1).join(", ") + t(" and ") + items[items.length - 1];
  }
  function describe(data, spec, shown, total) {
    var names = {};
    data.crossings.forEach(function (c) { names[c.id] = c.name; });
    var parts = [formatRange(spec.from, spec.to)];
    if (spec.crossings.length) {
      var labels = spec.crossings.map(function (c) { return names[c] !== undefined ? names[c] : c; });
      parts.push(labels.length === 1 ? t("crossing {names}", { names: join(labels) }) : t("crossings {names}", { names: join(labels) }));
    }
    if (spec.kinds.length) {
      parts.push(t("kinds {names}", { names: join(spec.kinds.map(function (k) {
        return data.kind_labels[k] !== undefined ? data.kind_labels[k] : k.split("_").join(" ");
      })) }));
    }
    if (spec.confidence !== "unknown") {
      parts.push(t("confidence at least {level}", { level: CONFIDENCE_WORDS[spec.confidence] || spec.confidence }));
    }
    var counted = total === 1 ? t("Showing {shown} of {total} feature", { shown: shown, total: total })
      : t("Showing {shown} of {total} features", { shown: shown, total: total });
    return counted + ": " + parts.join(", ");
  }

  // ---------------------------------------------------------------- the URL fragment
  var ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

  function validDay(text) {
    if (!ISO_DAY.test(text || "")) return null;
    var p = text.split("-").map(Number);
    return p[1] >= 1 && p[1] <= 12 && p[2] >= 1 && p[2] <= lastDay(p[0], p[1]) ? text : null;
  }

  // A spec with only known values; dates in order (a reversed range is swapped, as the app does).
  function normalise(spec) {
    var known = new Set(DATA.crossings.map(function (c) { return c.id; }));
    var kinds = new Set(DATA.kinds.map(function (k) { return k.id; }));
    var out = {
      from: validDay(spec.from), to: validDay(spec.to),
      crossings: (spec.crossings || []).filter(function (c, i, all) { return known.has(c) && all.indexOf(c) === i; }),
      kinds: (spec.kinds || []).filter(function (k, i, all) { return kinds.has(k) && all.indexOf(k) === i; }),
      confidence: DATA.confidence.indexOf(spec.confidence) >= 0 ? spec.confidence : "unknown"
    };
    if (out.from && out.to && out.to < out.from) { var t = out.from; out.from = out.to; out.to = t; }
    return out;
  }

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var hasFilter = params.has("all") || FILTER_KEYS.some(function (k) { return params.has(k); });
    var list = function (k) { return (params.get(k) || "").split(",").filter(Boolean); };
    var spec = hasFilter ? {
      from: params.get("from"), to: params.get("to"), crossings: list("crossing"), kinds: list("kind"),
      confidence: params.get("confidence") || "unknown"
    } : DATA["default"];
    var view = (params.get("view") || "").split(",").map(Number);
    return {
      spec: normalise(spec),
      feature: params.get("feature") || null,
      view: view.length === 3 && view.every(isFinite) ? view : null
    };
  }

  function isEmpty(spec) {
    return !spec.from && !spec.to && !spec.crossings.length && !spec.kinds.length && spec.confidence === "unknown";
  }

  function hashOf(spec, feature, view) {
    var parts = [];
    if (spec.from) parts.push("from=" + spec.from);
    if (spec.to) parts.push("to=" + spec.to);
    if (spec.crossings.length) parts.push("crossing=" + spec.crossings.map(encodeURIComponent).join(","));
    if (spec.kinds.length) parts.push("kind=" + spec.kinds.map(encodeURIComponent).join(","));
    if (spec.confidence !== "unknown") parts.push("confidence=" + spec.confidence);
    if (isEmpty(spec)) parts.push("all");
    if (feature) parts.push("feature=" + encodeURIComponent(feature));
    if (view) parts.push("view=" + view.join(","));
    return parts.join("&");
  }

  // ---------------------------------------------------------------- small DOM helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  // ---------------------------------------------------------------- the app
  var DATA = window.CrossingsSiteData;
  var state = { spec: emptySpec(), feature: null, shown: null };
  var map, groups = {}, ring, byId = {}, controls = {};

  function mountMap() {
    var o = DATA.map;
    map = L.map("map", {
      center: o.center, zoom: o.zoom, minZoom: o.minZoom, maxZoom: o.maxZoom, maxBounds: o.maxBounds,
      zoomSnap: 0.25, zoomDelta: 0.5, preferCanvas: false
    });
    L.control.scale().addTo(map);
    CrossingsMap.basemap(window.CrossingsSiteBasemap, o.attribution).addTo(map);
    CrossingsMap.legend(map);
    DATA.groups.forEach(function (g) {
      groups[g] = L.featureGroup().addTo(map);
    });
    ring = L.layerGroup().addTo(map);
    map.on("moveend", writeHash);
  }

  // The id map.js hides in every tooltip (⟦id⟧, escaped for HTML).
  var HIDDEN_ID = /\u27E6([^\u27E7]{1,400})\u27E7/;
  function clickedId(layer) {
    var tooltip = layer && layer.getTooltip && layer.getTooltip();
    var content = tooltip && tooltip.getContent();
    var match = typeof content === "string" ? HIDDEN_ID.exec(content) : null;
    if (!match) return null;
    var box = document.createElement("textarea");
    box.innerHTML = match[1]; // a textarea decodes entities and never runs or loads anything
    return box.value;
  }

  // Each clickable layer listens itself: map.js fires a crossing label's click on its marker without
  // propagating it to the group.
  function listenForClicks(group) {
    group.eachLayer(function (layer) {
      var fid = clickedId(layer);
      if (fid === null || !byId[fid]) return;
      layer.on("click", function () { selectFeature(fid); });
    });
  }

  // geo.mapview.crossing_label_side, for the crossings in view: left when another labelled crossing sits
  // just east, above when one sits just west (a close pair's labels would overlap).
  function labelSides(features) {
    var sides = {};
    features.forEach(function (f) {
      var x = f.geometry.coordinates[0], y = f.geometry.coordinates[1];
      var near = function (sign) {
        return features.some(function (o) {
          if (o === f) return false;
          var dx = sign * (o.geometry.coordinates[0] - x);
          return dx > 0 && dx < 1.0 && Math.abs(o.geometry.coordinates[1] - y) < 0.5;
        });
      };
      sides[f.properties.id] = near(1) ? "left" : near(-1) ? "top" : "right";
    });
    return sides;
  }

  function draw() {
    var collections = {};
    DATA.groups.forEach(function (g) { collections[g] = { type: "FeatureCollection", features: [] }; });
    DATA.records.forEach(function (r, i) {
      if (state.shown[i] && r.group && r.feature) collections[r.group].features.push(r.feature);
    });
    var used = collections.crossings ? collections.crossings.features : [];
    var sides = labelSides(used);
    collections.crossings.features = used.map(function (f) {
      return { type: "Feature", geometry: f.geometry, properties: L.extend({}, f.properties, { label_side: sides[f.properties.id] }) };
    });
    DATA.groups.forEach(function (g) {
      groups[g].clearLayers();
      CrossingsMap.draw(groups[g], DATA.group_layers[g], collections[g]);
      listenForClicks(groups[g]);
    });
    drawRing();
  }

  function drawRing() {
    ring.clearLayers();
    var r = state.feature && byId[state.feature];
    if (r && r.feature) {
      var g = L.layerGroup();
      CrossingsMap.highlight(g, r.feature.geometry);
      ring.addLayer(g);
    }
  }

  function shownCount() {
    var n = 0;
    for (var i = 0; i < state.shown.length; i++) n += state.shown[i];
    return n;
  }

  function apply(spec, options) {
    state.spec = normalise(spec);
    state.shown = select(DATA, state.spec);
    draw();
    var sentence = describe(DATA, state.spec, shownCount(), DATA.records.length);
    document.querySelectorAll("[data-cx-sentence]").forEach(function (node) { node.textContent = sentence; });
    syncControls();
    drawStrip();
    if (options && options.frame) frameShown();
    writeHash();
  }

  // Frame what is shown (after a filter change: only if something shown is out of sight).
  function frameShown(always) {
    var bounds = L.latLngBounds([]);
    DATA.records.forEach(function (r, i) {
      if (!state.shown[i] || !r.feature) return;
      var g = r.feature.geometry;
      if (g.type === "Point") bounds.extend([g.coordinates[1], g.coordinates[0]]);
      else g.coordinates.forEach(function (c) { bounds.extend([c[1], c[0]]); });
    });
    if (bounds.isValid() && (always || !map.getBounds().contains(bounds))) {
      // Crossing labels sit to the east of their symbols: more room on that side (as geo.mapview.view_for).
      // and the open legend covers the bottom right of a wide map.
      var wide = map.getSize().x >= 760;
      map.fitBounds(bounds, { paddingTopLeft: [40, 40], paddingBottomRight: [wide ? 300 : 120, 40], maxZoom: 9, animate: false });
    }
  }

  function currentView() {
    var c = map.getCenter();
    return [c.lat.toFixed(4), c.lng.toFixed(4), String(map.getZoom())];
  }

  function writeHash() {
    if (!map) return;
    var hash = hashOf(state.spec, state.feature, currentView());
    var full = document.getElementById("cx-open-full");
    if (full) full.setAttribute("href", "index.html#" + hash);
    if (location.hash.replace(/^#/, "") === hash) return;
    try {
      history.replaceState(null, "", "#" + hash);
    } catch (error) { // some file:// setups refuse replaceState: the fragment is then left as it is
      if (window.console) console.warn("Crossings: the address could not follow the view", error);
    }
  }

  function restore() {
    var h = readHash();
    state.feature = h.feature && byId[h.feature] ? h.feature : null;
    apply(h.spec);
    if (h.view) map.setView([h.view[0], h.view[1]], h.view[2], { animate: false });
    else frameShown(true); // no view in the link: frame what is shown, whatever the window's size
    renderDetails();
  }

  // ---------------------------------------------------------------- filter controls (full page)
  function presets() {
    var today = new Date();
    var now = iso(today.getFullYear(), today.getMonth() + 1, today.getDate());
    return [
      [t("9 Oct 2023"), "2023-10-09", "2023-10-09"],
      [t("Aug\u2013Dec 2023"), "2023-08-01", "2023-12-31"],
      [t("2020 to now"), "2020-01-01", now],
      [t("All dates"), null, null]
    ];
  }

  function buildControls(root) {
    var spec = function () { return JSON.parse(JSON.stringify(state.spec)); };
    var from = el("input", { type: "date", id: "cx-from", min: "1900-01-01", max: "2099-12-31" });
    var to = el("input", { type: "date", id: "cx-to", min: "1900-01-01", max: "2099-12-31" });
    var onDates = function () {
      var s = spec();
      s.from = from.value || null;
      s.to = to.value || null;
      apply(s);
    };
    from.addEventListener("change", onDates);
    to.addEventListener("change", onDates);
    var presetRow = el("div", { className: "cx-presets" });
    presets().forEach(function (p) {
      var b = el("button", { type: "button", className: "cx-chip", text: p[0] });
      b.addEventListener("click", function () { var s = spec(); s.from = p[1]; s.to = p[2]; apply(s); });
      presetRow.appendChild(b);
    });
    root.appendChild(el("fieldset", { className: "cx-field" }, [
      el("legend", { text: t("Dates") }),
      el("div", { className: "cx-dates" }, [
        el("label", { "for": "cx-from", text: t("From") }), from,
        el("label", { "for": "cx-to", text: t("To") }), to
      ]),
      presetRow,
      el("p", { className: "cx-hint", text: t("Or drag across the timeline under the map.") })
    ]));
    var checks = function (legendText, items, key, className) {
      var box = el("fieldset", { className: "cx-field " + className }, [el("legend", { text: legendText })]);
      items.forEach(function (item) {
        var input = el("input", { type: "checkbox", value: item.id, "data-cx-key": key });
        input.addEventListener("change", function () {
          var s = spec();
          var list = s[key].filter(function (v) { return v !== item.id; });
          if (input.checked) list.push(item.id);
          s[key] = list;
          apply(s, { frame: key === "crossings" });
        });
        box.appendChild(el("label", { className: "cx-check" }, [input, " " + item.label]));
      });
      root.appendChild(box);
      return box;
    };
    var crossingItems = DATA.crossings.slice().sort(function (a, b) { return (b.used ? 1 : 0) - (a.used ? 1 : 0); })
      .map(function (c) { return { id: c.id, label: c.used ? c.name : t("{name} (not linked to 9 Oct)", { name: c.name }) }; });
    checks(t("Crossings (none ticked: all)"), crossingItems, "crossings", "cx-crossings");
    checks(t("Kinds (none ticked: all)"), DATA.kinds, "kinds", "cx-kinds");
    var confidence = el("select", { id: "cx-confidence" });
    DATA.confidence.slice().reverse().forEach(function (level) {
      confidence.appendChild(el("option", { value: level, text: level === "unknown" ? t("any (show all)") : t("at least {level}", { level: CONFIDENCE_WORDS[level] || level }) }));
    });
    confidence.addEventListener("change", function () { var s = spec(); s.confidence = confidence.value; apply(s); });
    root.appendChild(el("fieldset", { className: "cx-field" }, [
      el("legend", { text: t("Confidence") }), el("label", { "for": "cx-confidence", className: "cx-sr", text: t("Minimum confidence") }), confidence
    ]));
    var reset = el("button", { type: "button", id: "cx-reset", className: "cx-button", text: t("Back to the published view") });
    reset.addEventListener("click", function () { apply(DATA["default"], { frame: true }); });
    root.appendChild(reset);
    controls = { from: from, to: to, confidence: confidence, root: root };
  }

  function syncControls() {
    if (!controls.root) return;
    controls.from.value = state.spec.from || "";
    controls.to.value = state.spec.to || "";
    controls.confidence.value = state.spec.confidence;
    controls.root.querySelectorAll("input[type=checkbox]").forEach(function (input) {
      input.checked = state.spec[input.getAttribute("data-cx-key")].indexOf(input.value) >= 0;
    });
  }

  // ---------------------------------------------------------------- the details panel
  function sourceItem(sid) {
    var s = DATA.sources[sid];
    if (!s) return el("li", {}, [el("strong", { text: sid })]);
    var outlet = s.url
      ? el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer", text: s.outlet })
      : el("span", { text: s.outlet });
    return el("li", {}, [
      el("strong", { text: s.id }), " ", outlet,
      s.title ? " \u2014 \u201C" + s.title + "\u201D" : null,
      ", " + s.date,
      s.mirror ? el("em", { text: " \u00B7 " + t("mirror or repost") }) : null
    ]);
  }

  function sourcesBlock(title, ids) {
    if (!ids || !ids.length) return null;
    return el("div", { className: "cx-d-sources" }, [el("h4", { text: title }), el("ul", {}, ids.map(sourceItem))]);
  }

  function renderDetails() {
    var box = document.getElementById("cx-details");
    if (!box) return;
    box.textContent = "";
    var d = state.feature && DATA.details[state.feature];
    box.classList.toggle("cx-empty", !d);
    if (!d) {
      if (box.classList.contains("cx-embed-details")) { box.hidden = true; return; }
      box.appendChild(el("p", { className: "cx-hint", text: t("Click a symbol or a line on the map (or focus it with Tab and press Enter) to see what is reported there, the numbers and every source here.") }));
      return;
    }
    box.hidden = false;
    var panel = box.closest(".cx-panel");
    if (panel) panel.scrollTop = 0;
    var rows = [[t("Dates"), d.date_precision ? t("{dates} (precise {precision})", { dates: d.dates, precision: d.date_precision }) : d.dates]];
    if (d.count !== null) rows.push([t("People"), d.count]);
    if (d.count_confidence) rows.push([t("Number's confidence"), d.count_confidence]);
    rows.push([t("Confidence"), d.confidence]);
    if (d.location) rows.push([t("Location"), d.location]);
    d.facts.forEach(function (f) { rows.push(f); });
    var close = el("button", { type: "button", className: "cx-close", "aria-label": t("Close the details"), text: "\u00D7" });
    close.addEventListener("click", function () { selectFeature(null); });
    var local = [d.name_ko, d.name_zh].filter(Boolean).join(" \u00B7 ");
    [
      close,
      el("h3", { id: "cx-details-title", text: d.name_en }),
      local ? el("p", { className: "cx-d-local", text: local }) : null,
      el("p", { className: "cx-d-kind", text: d.kind }),
      d.reported ? el("p", {}, [el("strong", { text: t("What is reported.") + " " }), d.reported]) : null,
      el("dl", {}, rows.reduce(function (all, row) {
        return all.concat([el("dt", { text: row[0] }), el("dd", { text: row[1] })]);
      }, [])),
      d.count_note ? el("p", { className: "cx-hint", text: d.count_note }) : null,
      d.notes ? el("p", {}, [el("strong", { text: t("Notes.") + " " }), d.notes]) : null,
      sourcesBlock(t("Sources"), d.sources),
      sourcesBlock(t("Sources of the number"), d.count_sources),
      sourcesBlock(t("Sources of the coordinates"), d.coord_sources)
    ].forEach(function (node) { if (node) box.appendChild(node); });
  }

  function selectFeature(fid) {
    state.feature = fid;
    drawRing();
    renderDetails();
    writeHash();
  }

  // ---------------------------------------------------------------- the timeline strip
  var strip = null;

  function dayNumber(text) {
    var p = text.split("-").map(Number);
    return Date.UTC(p[0], p[1] - 1, p[2]) / 86400000;
  }
  function dayText(n) {
    var d = new Date(Math.round(n) * 86400000);
    return iso(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }

  function mountStrip(node) {
    var svgNS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("class", "cx-strip-svg");
    svg.setAttribute("role", "img");
    node.appendChild(svg);
    strip = { node: node, svg: svg, ns: svgNS, a: dayNumber(DATA.timeline.from), b: dayNumber(DATA.timeline.to) };
    var drag = null;
    var at = function (ev) {
      var box = svg.getBoundingClientRect();
      var x = Math.min(Math.max(ev.clientX - box.left, strip.pad), box.width - strip.pad);
      return strip.a + (x - strip.pad) / (box.width - 2 * strip.pad) * (strip.b - strip.a);
    };
    svg.addEventListener("pointerdown", function (ev) {
      drag = { start: at(ev), end: at(ev) };
      svg.setPointerCapture(ev.pointerId);
      ev.preventDefault();
    });
    svg.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      drag.end = at(ev);
      drawStrip([Math.min(drag.start, drag.end), Math.max(drag.start, drag.end)]);
    });
    svg.addEventListener("pointerup", function (ev) {
      if (!drag) return;
      drag.end = at(ev);
      var lo = Math.min(drag.start, drag.end), hi = Math.max(drag.start, drag.end);
      drag = null;
      if (hi - lo < 1) { drawStrip(); return; } // a click, not a drag
      var s = JSON.parse(JSON.stringify(state.spec));
      s.from = dayText(Math.floor(lo));
      s.to = dayText(Math.floor(hi));
      apply(s);
    });
    window.addEventListener("resize", function () { drawStrip(); });
  }

  function drawStrip(band) {
    if (!strip) return;
    var svg = strip.svg, ns = strip.ns;
    var width = strip.node.clientWidth || 300, height = 46;
    strip.pad = 10;
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var x = function (day) {
      var t = (day - strip.a) / (strip.b - strip.a);
      return strip.pad + Math.min(Math.max(t, 0), 1) * (width - 2 * strip.pad);
    };
    var add = function (tag, attrs, text) {
      var node = document.createElementNS(ns, tag);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      if (text) node.textContent = text;
      svg.appendChild(node);
      return node;
    };
    add("rect", { x: strip.pad, y: 4, width: width - 2 * strip.pad, height: 24, fill: "#f3f1ea", stroke: "#c9c3b5" });
    var lo = band ? band[0] : state.spec.from ? dayNumber(state.spec.from) : strip.a;
    var hi = band ? band[1] : state.spec.to ? dayNumber(state.spec.to) + 1 : strip.b + 1;
    if (hi > strip.a && lo < strip.b + 1) {
      add("rect", { "class": "cx-strip-band", x: x(lo), y: 4, width: Math.max(x(hi) - x(lo), 2), height: 24, fill: "#0072B2", "fill-opacity": 0.16, stroke: "#0072B2" });
    }
    var shownEvents = 0, allEvents = 0;
    DATA.records.forEach(function (r, i) {
      if (r.layer !== "events" || r._s === null) return;
      var s = dayNumber(r._s), e = dayNumber(r._e) + 1;
      if (e < strip.a || s > strip.b + 1) return;
      allEvents++;
      var on = state.shown[i] === 1;
      if (on) shownEvents++;
      var colour = on ? "#B07A00" : "#b5b0a6";
      if (e - s <= 1) add("circle", { cx: x(s + 0.5), cy: 16, r: on ? 4 : 3, fill: colour, "fill-opacity": on ? 0.9 : 0.6 });
      else add("rect", { x: x(s), y: 13, width: Math.max(x(e) - x(s), 2), height: 6, fill: colour, "fill-opacity": on ? 0.55 : 0.35 });
    });
    var first = Number(DATA.timeline.from.slice(0, 4)), last = Number(DATA.timeline.to.slice(0, 4));
    var every = width < 420 ? 2 : 1;
    for (var y = first; y <= last + 1; y++) {
      var tx = x(dayNumber(iso(y, 1, 1)));
      add("line", { x1: tx, x2: tx, y1: 28, y2: 32, stroke: "#777" });
      if ((y - first) % every === 0 && y <= last) add("text", { x: tx + 2, y: 43, "font-size": 11, fill: "#444" }, String(y));
    }
    svg.setAttribute("aria-label", t("Timeline {first}\u2013{last}: {shown} of {total} dated events in the date filter. Drag across it to choose a period.", {
      first: DATA.timeline.from.slice(0, 4), last: last, shown: shownEvents, total: allEvents
    }));
  }

  // ---------------------------------------------------------------- start
  function start() {
    prepare(DATA);
    DATA.records.forEach(function (r) { byId[r.id] = r; });
    var filters = document.getElementById("cx-filters");
    if (filters) buildControls(filters);
    mountMap();
    var stripNode = document.getElementById("cx-strip");
    if (stripNode) mountStrip(stripNode);
    restore();
    window.addEventListener("hashchange", restore);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && state.feature) selectFeature(null);
    });
    document.documentElement.classList.add("cx-ready");
  }

  window.CrossingsSite = {
    start: start,
    select: selectIds,
    describe: function (spec) {
      var s = normalise(spec);
      var shown = select(DATA, s), n = 0;
      for (var i = 0; i < shown.length; i++) n += shown[i];
      return describe(DATA, s, n, DATA.records.length);
    },
    apply: function (spec) { apply(spec); },
    state: function () { return { spec: state.spec, feature: state.feature, shown: state.shown ? shownCount() : 0 }; },
    map: function () { return map; },
    partialSpan: partialSpan
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
