/* Crossings replay: steps a map through stages (the evening of 9 Oct 2023, or 2020–2025 month by
 * month) in the browser, with no script rerun per frame and no network.
 *
 * The stages and features come from geo/replay.py (replay_payload): each stage names the
 * features drawn (drawn_ids), the ones new at this stage (feature_ids), display overrides (props)
 * and caption lines, each with its evidence ("reported", "inferred", "not reported") and source ids.
 * Features are drawn by CrossingsMap.draw (static/crossings/map.js), so symbols match the main map.
 * Every string from data goes through CrossingsMap.esc() before it reaches HTML; text-only slots
 * are set with textContent.
 *
 * Keyboard (anywhere in the map frame): Space play/pause, ← previous stage, → next stage,
 * Home / End first / last stage. Leaflet's own arrow-key panning is switched off on this map. */
(function () {
  "use strict";

  function esc(value) {
    return window.CrossingsMap.esc(value);
  }

  var MESSAGES = {};

  // The message in the page's language (payload.messages from geo.i18n.js_messages), {named} filled.
  function t(id, values) {
    var text = Object.prototype.hasOwnProperty.call(MESSAGES, id) ? MESSAGES[id] : id;
    if (!values) return text;
    return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  var MIN_FIT_ZOOM = 6.25;
  // Draw order, bottom to top (as on the main map).
  var LAYER_ORDER = ["routes", "events", "receiving_facilities", "detention_centres", "crossings"];
  var TAGS = {
    reported: { label: function () { return t("Reported"); }, cls: "cx-rp-tag-reported" },
    inferred: { label: function () { return t("Inferred"); }, cls: "cx-rp-tag-inferred" },
    "not reported": { label: function () { return t("Not reported"); }, cls: "cx-rp-tag-unknown" }
  };

  var CSS = [
    ".cx-rp{background:rgba(255,255,255,.97);border-radius:6px;box-shadow:0 1px 6px rgba(0,0,0,.3);",
    "padding:8px 11px 9px;width:min(340px,36vw);min-width:260px;font:14px/1.38 'Noto Sans','DejaVu Sans',sans-serif;color:#111}",
    ".cx-rp-bar{display:flex;align-items:center;gap:6px;flex-wrap:wrap}",
    ".cx-rp button{font:inherit;font-size:14px;padding:3px 10px;border:1px solid #0072B2;border-radius:4px;background:#fff;color:#0b3d66;cursor:pointer}",
    ".cx-rp button:hover{background:#e8f1f8}",
    ".cx-rp button:focus-visible,.cx-rp input:focus-visible{outline:3px solid #111;outline-offset:2px}",
    ".cx-rp button[disabled]{opacity:.4;cursor:default}",
    ".cx-rp button.cx-rp-play{background:#0072B2;color:#fff;min-width:72px}",
    ".cx-rp-count{margin-left:auto;color:#444;font-size:13px;white-space:nowrap}",
    ".cx-rp-range{width:100%;margin:6px 0 2px;accent-color:#0072B2}",
    ".cx-rp-title{font-weight:700;font-size:17px;margin:4px 0 0}",
    ".cx-rp-time{color:#444;font-size:13px;margin-bottom:4px}",
    ".cx-rp-body{max-height:var(--cx-rp-max,300px);overflow-y:auto;padding-right:4px}",
    ".cx-rp-lines{list-style:none;margin:0;padding:0}",
    ".cx-rp-lines li{margin:0 0 5px;padding:0;font-size:13.5px}",
    ".cx-rp-tag{display:inline-block;font-size:11.5px;font-weight:700;text-transform:uppercase;letter-spacing:.03em;",
    "padding:0 5px;margin-right:5px;border-radius:3px;vertical-align:1px}",
    ".cx-rp-tag-reported{background:#1d1d1d;color:#fff}",
    ".cx-rp-tag-inferred{background:#fff;color:#333;border:1.5px dashed #555;font-style:italic}",
    ".cx-rp-tag-unknown{background:#e3e3e3;color:#333}",
    ".cx-rp-cite{color:#555;font-size:12.5px;white-space:nowrap}",
    ".cx-rp-sources{border-top:1px solid #ddd;margin-top:4px;padding-top:4px;color:#333;font-size:12.5px}",
    ".cx-rp-keys{color:#555;font-size:12px;margin-top:4px}",
    ".cx-rp-dim{opacity:.35}",
    ".leaflet-tooltip.cx-rp-dim{opacity:.45!important}",
    ".cx-rp-halo{animation:cx-rp-pulse 1.6s ease-out 2}",
    "@keyframes cx-rp-pulse{0%{stroke-opacity:1;stroke-width:6}100%{stroke-opacity:.25;stroke-width:2}}",
    ".cx-rp:lang(ko){word-break:keep-all;overflow-wrap:anywhere}.cx-rp:lang(ko) .cx-rp-tag{text-transform:none;letter-spacing:0}",
    "@media (prefers-reduced-motion: reduce){.cx-rp-halo{animation:none}}",
    // Narrow maps (phones): the panel is docked under the map as a full-width bar (dockNarrow).
    ".cx-rp.cx-rp-docked{width:auto;min-width:0;border-radius:0;box-shadow:0 -1px 4px rgba(0,0,0,.2);margin:0}",
    ".cx-rp-docked .cx-rp-body{max-height:7.5em}",
    // Touch screens: 44-px targets; no keyboard hint (the buttons say what they do).
    "@media (hover: none) and (pointer: coarse){.cx-rp button{min-height:44px;min-width:44px}",
    ".cx-rp-range{height:44px;margin:0}.cx-rp-keys{display:none}}"
  ].join("");
  var NARROW_MAP = 640;

  function addCss() {
    if (document.getElementById("cx-replay-css")) return;
    var style = document.createElement("style");
    style.id = "cx-replay-css";
    style.textContent = CSS;
    document.head.appendChild(style);
  }

  // Add a class to every element a layer (or a group of layers) has on the page, tooltips included.
  function markElements(layer, cls) {
    if (layer.eachLayer) {
      layer.eachLayer(function (child) { markElements(child, cls); });
      return;
    }
    var el = layer.getElement ? layer.getElement() : null;
    if (el) L.DomUtil.addClass(el, cls);
    var tooltip = layer.getTooltip ? layer.getTooltip() : null;
    if (tooltip && tooltip.getElement && tooltip.getElement()) L.DomUtil.addClass(tooltip.getElement(), cls);
  }

  function withProps(entry, overrides) {
    var feature = entry.feature;
    var props = {};
    var key;
    for (key in feature.properties) props[key] = feature.properties[key];
    if (overrides) for (key in overrides) props[key] = overrides[key];
    return { type: "Feature", geometry: feature.geometry, properties: props };
  }

  function Replay(map, payload) {
    this.map = map;
    this.payload = payload;
    this.stages = payload.stages || [];
    this.features = payload.features || {};
    this.sources = payload.sources || {};
    this.index = 0;
    this.timer = null;
    this.group = L.layerGroup().addTo(map);
    this.drawn = [];
  }

  Replay.prototype.control = function () {
    var self = this;
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "cx-rp");
      div.setAttribute("role", "region");
      div.setAttribute("aria-label", t("Replay: {title}", { title: self.payload.title }));
      div.setAttribute("data-set", self.payload.set);
      div.innerHTML =
        '<div class="cx-rp-bar">' +
        '<button type="button" class="cx-rp-prev" aria-label="' + esc(t("Previous stage")) + '" title="' +
        esc(t("Previous (←)")) + '">&#9664; ' + esc(t("Prev")) + "</button>" +
        '<button type="button" class="cx-rp-play" aria-label="' + esc(t("Play")) + '" title="' +
        esc(t("Play / pause (Space)")) + '">&#9654; ' + esc(t("Play")) + "</button>" +
        '<button type="button" class="cx-rp-next" aria-label="' + esc(t("Next stage")) + '" title="' +
        esc(t("Next (→)")) + '">' + esc(t("Next")) + " &#9654;</button>" +
        '<span class="cx-rp-count" aria-hidden="true"></span></div>' +
        '<input type="range" class="cx-rp-range" min="0" step="1" aria-label="' + esc(t("Stage")) + '">' +
        '<div class="cx-rp-caption" aria-live="polite">' +
        '<div class="cx-rp-title"></div><div class="cx-rp-time"></div>' +
        '<div class="cx-rp-body" tabindex="0" role="region" aria-label="' + esc(t("What this stage shows, and its sources")) + '"><ul class="cx-rp-lines"></ul><div class="cx-rp-sources"></div></div></div>' +
        '<div class="cx-rp-keys">' + esc(t("Space play/pause · ← → step · click the map first")) + "</div>";
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      self.el = div;
      self.playButton = div.querySelector(".cx-rp-play");
      self.prevButton = div.querySelector(".cx-rp-prev");
      self.nextButton = div.querySelector(".cx-rp-next");
      self.range = div.querySelector(".cx-rp-range");
      self.range.max = String(Math.max(self.stages.length - 1, 0));
      self.playButton.addEventListener("click", function () { self.toggle(); });
      self.prevButton.addEventListener("click", function () { self.pause(); self.step(-1); });
      self.nextButton.addEventListener("click", function () { self.pause(); self.step(1); });
      self.range.addEventListener("input", function () { self.pause(); self.show(parseInt(self.range.value, 10)); });
      return div;
    };
    control.addTo(this.map);
    this.layout();
  };

  // On a map narrower than NARROW_MAP the panel would cover most of it: it moves under the map, as a
  // compact bar whose lines scroll, and the map gives up that height of the frame.
  Replay.prototype.dockNarrow = function () {
    var container = this.map.getContainer();
    if (this.el.classList.contains("cx-rp-docked") || container.offsetWidth >= NARROW_MAP) return;
    this.el.classList.add("cx-rp-docked");
    container.parentNode.insertBefore(this.el, container.nextSibling);
    this.map._cxBelow = this.el;  // map.js fillFrame keeps the map this much shorter
    container.style.height = Math.max(240, container.offsetHeight - this.el.offsetHeight) + "px";
    this.map.invalidateSize({ animate: false });
  };

  // The caption's lines scroll inside the map's height, clear of the zoom buttons and the scale.
  Replay.prototype.layout = function () {
    if (this.el.classList.contains("cx-rp-docked")) return;
    var body = this.el.querySelector(".cx-rp-body");
    var fixed = this.el.offsetHeight - body.offsetHeight;
    var top = this.el.offsetTop || 90;
    body.style.setProperty("--cx-rp-max", Math.max(110, this.map.getSize().y - top - fixed - 50) + "px");
  };

  // Frame every feature of every stage to the right of the caption, so the panel hides none.
  Replay.prototype.frame = function () {
    var self = this;
    var bounds = L.latLngBounds([]);
    Object.keys(this.features).forEach(function (id) {
      var g = self.features[id].feature.geometry;
      var coords = g.type === "Point" ? [g.coordinates] : g.coordinates;
      coords.forEach(function (c) { bounds.extend([c[1], c[0]]); });
    });
    if (!bounds.isValid()) return;
    var size = this.map.getSize();
    var panel = this.el.classList.contains("cx-rp-docked") ? 10 : this.el.offsetWidth + 30;
    var left = panel < size.x * 0.55 ? panel : 40;
    // Crossing labels sit east of their symbols: keep room on the right.
    var right = Math.min(175, Math.round(size.x * 0.15));
    this.map.fitBounds(bounds, { paddingTopLeft: [left, 40], paddingBottomRight: [right, 30], maxZoom: 9 });
    // On a narrow map, legibility wins over keeping every symbol clear of the caption.
    if (this.map.getZoom() < MIN_FIT_ZOOM) this.map.setZoom(MIN_FIT_ZOOM);
  };

  Replay.prototype.keys = function () {
    var self = this;
    var handled = function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return null;
      if (e.key === " " || e.key === "Spacebar") return "toggle";
      if (e.key === "ArrowRight") return "next";
      if (e.key === "ArrowLeft") return "prev";
      if (e.key === "Home") return "first";
      if (e.key === "End") return "last";
      return null;
    };
    document.addEventListener("keydown", function (e) {
      var action = handled(e);
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      if (e.repeat && action === "toggle") return;
      if (action === "toggle") self.toggle();
      else {
        self.pause();
        if (action === "next") self.step(1);
        else if (action === "prev") self.step(-1);
        else if (action === "first") self.show(0);
        else self.show(self.stages.length - 1);
      }
    }, true);
    // A focused button would also "click" on Space's keyup: the keydown above already acted.
    document.addEventListener("keyup", function (e) {
      if (handled(e) === "toggle") e.preventDefault();
    }, true);
  };

  Replay.prototype.step = function (delta) {
    var next = Math.min(Math.max(this.index + delta, 0), this.stages.length - 1);
    this.show(next);
  };

  Replay.prototype.toggle = function () {
    if (this.timer) this.pause();
    else this.play();
  };

  Replay.prototype.play = function () {
    var self = this;
    if (!this.stages.length) return;
    if (this.index >= this.stages.length - 1) this.show(0);
    this.timer = window.setInterval(function () {
      if (self.index >= self.stages.length - 1) self.pause();
      else self.show(self.index + 1);
    }, this.payload.interval_ms || 3000);
    this.playButton.innerHTML = "&#10074;&#10074; " + esc(t("Pause"));
    this.playButton.setAttribute("aria-label", t("Pause"));
    this.el.setAttribute("data-playing", "true");
  };

  Replay.prototype.pause = function () {
    if (this.timer) window.clearInterval(this.timer);
    this.timer = null;
    this.playButton.innerHTML = "&#9654; " + esc(t("Play"));
    this.playButton.setAttribute("aria-label", t("Play"));
    this.el.setAttribute("data-playing", "false");
  };

  Replay.prototype.drawStage = function (stage) {
    var self = this;
    var current = {};
    (stage.feature_ids || []).forEach(function (id) { current[id] = true; });
    var props = stage.props || {};
    this.group.clearLayers();
    this.drawn = [];
    LAYER_ORDER.forEach(function (layerName) {
      var past = [], now = [];
      (stage.drawn_ids || []).forEach(function (id) {
        var entry = self.features[id];
        if (!entry || entry.layer !== layerName) return;
        (current[id] ? now : past).push(withProps(entry, props[id]));
        self.drawn.push(id);
      });
      if (past.length) {
        var dim = L.featureGroup().addTo(self.group);
        window.CrossingsMap.draw(dim, layerName, { type: "FeatureCollection", features: past });
        markElements(dim, "cx-rp-dim");
      }
      if (now.length) {
        var lit = L.featureGroup().addTo(self.group);
        window.CrossingsMap.draw(lit, layerName, { type: "FeatureCollection", features: now });
        now.forEach(function (f) {
          if (f.geometry.type !== "Point") return;
          var c = f.geometry.coordinates;
          L.circleMarker([c[1], c[0]], {
            radius: 17, color: "#111", weight: 2.5, fill: false, interactive: false, className: "cx-rp-halo"
          }).addTo(lit);
        });
      }
    });
  };

  Replay.prototype.caption = function (stage) {
    var self = this;
    this.el.querySelector(".cx-rp-title").textContent = stage.title;
    this.el.querySelector(".cx-rp-time").textContent = stage.time;
    this.el.querySelector(".cx-rp-count").textContent =
      this.payload.set === "months"
        ? t("Month {number} of {total}", { number: stage.number, total: stage.of })
        : t("Stage {number} of {total}", { number: stage.number, total: stage.of });
    var items = (stage.lines || []).map(function (line) {
      var tag = TAGS[line.evidence];
      var tagHtml = tag ? '<span class="cx-rp-tag ' + tag.cls + '">' + esc(tag.label()) + "</span>" : "";
      var cite = line.source_ids && line.source_ids.length
        ? ' <span class="cx-rp-cite">[' + line.source_ids.map(esc).join(", ") + "]</span>" : "";
      return '<li data-evidence="' + esc(line.evidence || "") + '">' + tagHtml + esc(line.text) + cite + "</li>";
    });
    this.el.querySelector(".cx-rp-lines").innerHTML = items.join("");
    var cited = (stage.source_ids || []).map(function (id) {
      return "<b>" + esc(id) + "</b> " + esc(self.sources[id] || "");
    });
    this.el.querySelector(".cx-rp-sources").innerHTML = cited.length
      ? esc(t("Sources: {sources}")).replace("{sources}", function () { return cited.join(" · "); })
      : esc(t("No source cited at this stage."));
    this.el.querySelector(".cx-rp-body").scrollTop = 0;
  };

  Replay.prototype.show = function (index) {
    if (!this.stages.length) return;
    this.index = Math.min(Math.max(index, 0), this.stages.length - 1);
    var stage = this.stages[this.index];
    this.drawStage(stage);
    this.caption(stage);
    this.layout();
    this.range.value = String(this.index);
    this.prevButton.disabled = this.index === 0;
    this.nextButton.disabled = this.index === this.stages.length - 1;
    this.el.setAttribute("data-stage", stage.id);
    this.el.setAttribute("data-stage-index", String(this.index));
    this.el.setAttribute("data-drawn", String(this.drawn.length));
  };

  // The legend (map.js) starts folded here: the caption already explains each stage.
  function foldLegend(map) {
    var toggle = map.getContainer().querySelector(".cx-legend-toggle");
    if (toggle && toggle.getAttribute("aria-expanded") === "true") toggle.click();
  }

  function mount(map, payload) {
    MESSAGES = payload.messages || {};
    if (payload.lang) map.getContainer().setAttribute("lang", payload.lang);
    addCss();
    if (map.keyboard) map.keyboard.disable();
    var replay = new Replay(map, payload);
    replay.control();
    replay.keys();
    replay.show(0);
    replay.dockNarrow();
    foldLegend(map);
    replay.frame();
    map.on("resize", function () { replay.layout(); replay.frame(); });
    window.CrossingsReplay.current = replay;
    return replay;
  }

  window.CrossingsReplay = {
    mount: mount,
    current: null,
    state: function () {
      var r = window.CrossingsReplay.current;
      if (!r) return null;
      var stage = r.stages[r.index];
      return {
        set: r.payload.set, index: r.index, id: stage.id, drawn: r.drawn.slice(),
        current: (stage.feature_ids || []).slice(), playing: !!r.timer
      };
    }
  };
})();
