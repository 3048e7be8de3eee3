/* Crossings presenter: steps a map through the scenes of data/scenes.json in the browser, with no
 * script rerun per step and no network.
 *
 * The payload comes from geo/presenter.py (presenter_payload): each scene names the features it
 * draws per map group, its view, its caption and its source ids; features carry the display strings
 * of the main map and are drawn by CrossingsMap.draw (static/crossings/map.js), so symbols match.
 * Every string from data goes through CrossingsMap.esc() before it reaches HTML.
 *
 * Keys: → / PageDown next scene, ← / PageUp previous, Home / End first / last. They work with the
 * focus in the map and, on the Presenter page, in the page around it (the map frame is same-origin).
 * Leaflet's own arrow-key panning and wheel zoom are switched off on this map. */
(function () {
  "use strict";

  var NEXT = { ArrowRight: 1, PageDown: 1, Right: 1 };
  // Legend rows of map.js (by the start of their text) and the map group each explains.
  var LEGEND_GROUPS = [
    ["Crossing used", "crossings"],
    ["Other crossing", "other_crossings"],
    ["Detention centre", "detention_centres"],
    ["Receiving facility", "receiving_facilities"],
    ["Dated event", "events"]
  ];
  var PREV = { ArrowLeft: 1, PageUp: 1, Left: 1 };
  var LABEL_GAP = 6;

  function esc(value) {
    return window.CrossingsMap.esc(value);
  }

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function el(tag, className, html) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (html !== undefined) node.innerHTML = html;
    return node;
  }

  function overlaps(a, b) {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  }

  function initialIndex(payload) {
    var count = payload.scenes.length;
    if (payload.url === "hash") {
      var wanted = decodeURIComponent((window.location.hash || "").replace(/^#(scene=)?/, ""));
      for (var i = 0; i < count; i++) if (payload.scenes[i].id === wanted) return i;
    }
    var start = payload.initial || 0;
    return start >= 0 && start < count ? start : 0;
  }

  function mount(map, payload) {
    var scenes = payload.scenes || [];
    if (!scenes.length) return null;
    var container = map.getContainer();
    container.classList.add("cx-presenter");
    document.documentElement.classList.add("cx-presenter-doc");
    if (map.keyboard) map.keyboard.disable();
    // No accidental zooming by a trackpad or wheel mid-talk (the + / − buttons zoom); the wheel
    // scrolls the page instead, down to the presenter's tools on the Presenter page.
    if (map.scrollWheelZoom) map.scrollWheelZoom.disable();
    // The north-west of every scene is China and its name; the north-east is sea and unmapped land.
    if (map.zoomControl) map.zoomControl.setPosition("topright");
    // Room to put a scene in the middle of the part the bar and legend leave free, even at the edges.
    if (map.options.maxBounds) map.setMaxBounds(L.latLngBounds(map.options.maxBounds).pad(0.25));
    map.invalidateSize();

    var dataLayer = L.layerGroup().addTo(map);
    var labelLayer = L.layerGroup().addTo(map);
    var current = -1;
    var pendingMove = null;

    // ------------------------------------------------------------ caption bar
    var bar = el("div", "cx-pr-bar");
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", "Scene caption");
    bar.innerHTML =
      '<div class="cx-pr-main">' +
      '<div class="cx-pr-kicker"><span class="cx-pr-count"></span><span class="cx-pr-dates"></span></div>' +
      '<h1 class="cx-pr-title"></h1>' +
      '<p class="cx-pr-caption"></p>' +
      '<div class="cx-pr-sources"></div>' +
      "</div>" +
      '<div class="cx-pr-nav">' +
      '<button type="button" class="cx-pr-prev" aria-label="Previous scene" title="Previous scene (← or Page Up)">&#8592;</button>' +
      '<button type="button" class="cx-pr-next" aria-label="Next scene" title="Next scene (→ or Page Down)">&#8594;</button>' +
      "</div>";
    container.appendChild(bar);
    L.DomEvent.disableClickPropagation(bar);
    L.DomEvent.disableScrollPropagation(bar);
    var live = el("div", "cx-pr-live");
    live.setAttribute("aria-live", "polite");
    container.appendChild(live);
    var prevButton = bar.querySelector(".cx-pr-prev");
    var nextButton = bar.querySelector(".cx-pr-next");
    prevButton.addEventListener("click", function () { step(-1); });
    nextButton.addEventListener("click", function () { step(1); });

    // Leaflet's bottom controls (legend, scale, attribution) sit above the bar.
    function layoutControls() {
      container.style.setProperty("--cx-pr-bar", bar.offsetHeight + "px");
    }

    // The part of the map not covered by the bar or the legend: a scene's centre goes to its middle.
    function freeOffset() {
      var legend = container.querySelector(".cx-legend");
      var legendWidth = legend && !legend.classList.contains("cx-collapsed") ? legend.offsetWidth + 10 : 0;
      if (legendWidth > map.getSize().x / 2) legendWidth = 0;
      return L.point(legendWidth / 2, bar.offsetHeight / 2);
    }

    function viewCenter(scene) {
      var zoom = scene.zoom;
      var point = map.project(L.latLng(scene.center[0], scene.center[1]), zoom).add(freeOffset());
      return map.unproject(point, zoom);
    }

    // ------------------------------------------------------------ short labels for unlabelled symbols
    function obstacles() {
      var origin = container.getBoundingClientRect();
      var boxes = [];
      var selectors = ".cx-label, .cx-icon, .cx-country, .cx-legend, .cx-pr-bar, .leaflet-control-zoom, .leaflet-control-scale";
      Array.prototype.forEach.call(container.querySelectorAll(selectors), function (node) {
        var r = node.getBoundingClientRect();
        if (r.width && r.height) boxes.push({ x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height, node: node });
      });
      return boxes;
    }

    function measure(html) {
      var probe = el("div", "cx-pr-label cx-pr-probe", html);
      container.appendChild(probe);
      var size = { w: Math.ceil(probe.offsetWidth) + 1, h: Math.ceil(probe.offsetHeight) };
      container.removeChild(probe);
      return size;
    }

    function placeLabels() {
      labelLayer.clearLayers();
      if (current < 0) return;
      var scene = scenes[current];
      var size = map.getSize();
      var taken = obstacles();
      scene.groups.forEach(function (group) {
        if (scene.labelled.indexOf(group[0]) < 0) return;
        group[2].forEach(function (fid) {
          var feature = (payload.features[group[1]] || {})[fid];
          if (!feature || feature.geometry.type !== "Point" || !feature.properties.pr_label) return;
          var c = feature.geometry.coordinates;
          var at = map.latLngToContainerPoint(L.latLng(c[1], c[0]));
          var html = esc(feature.properties.pr_label);
          var box = measure(html);
          var half = 11 + LABEL_GAP;
          var candidates = [
            { side: "right", x: at.x + half, y: at.y - box.h / 2 },
            { side: "left", x: at.x - half - box.w, y: at.y - box.h / 2 },
            { side: "below", x: at.x - box.w / 2, y: at.y + half - 4 },
            { side: "above", x: at.x - box.w / 2, y: at.y - half + 4 - box.h },
            { side: "below-right", x: at.x + 8, y: at.y + half - 4 },
            { side: "above-right", x: at.x + 8, y: at.y - half + 4 - box.h },
            { side: "below-left", x: at.x - 8 - box.w, y: at.y + half - 4 },
            { side: "above-left", x: at.x - 8 - box.w, y: at.y - half + 4 - box.h }
          ];
          for (var i = 0; i < candidates.length; i++) {
            var cand = { x: candidates[i].x, y: candidates[i].y, w: box.w, h: box.h };
            if (cand.x < 4 || cand.y < 4 || cand.x + cand.w > size.x - 4 || cand.y + cand.h > size.y - 4) continue;
            var clash = taken.some(function (t) {
              // A symbol's own icon is not in the way of its label.
              if (t.node && t.node.classList && t.node.classList.contains("cx-icon")) {
                var cx = t.x + t.w / 2, cy = t.y + t.h / 2;
                if (Math.abs(cx - at.x) < 2 && Math.abs(cy - at.y) < 2) return false;
              }
              return overlaps(cand, t);
            });
            if (clash) continue;
            taken.push(cand);
            L.marker(map.containerPointToLatLng([cand.x, cand.y]), {
              interactive: false,
              keyboard: false,
              icon: L.divIcon({ className: "cx-pr-label cx-pr-label-" + group[0], html: html, iconSize: [box.w, box.h], iconAnchor: [0, 0] })
            }).addTo(labelLayer);
            return;
          }
        });
      });
      declutterTowns(taken);
    }

    // Basemap town names (drawn by map.js) give way to the data and to each other, and a name the
    // window edge would cut is not shown.
    function declutterTowns(taken) {
      var origin = container.getBoundingClientRect();
      var controls = taken.filter(function (t) {
        return t.node && t.node.matches && t.node.matches(".cx-legend, .cx-pr-bar, .leaflet-control-zoom, .leaflet-control-scale");
      });
      Array.prototype.forEach.call(container.querySelectorAll(".cx-country"), function (country) {
        country.style.visibility = "";
        var range = document.createRange();
        range.selectNodeContents(country);  // the text, not the label's wider box
        var r = range.getBoundingClientRect();
        var box = { x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height };
        var cut = box.x < 0 || box.y < 0 || box.x + box.w > origin.width || box.y + box.h > origin.height;
        if (cut || controls.some(function (t) { return overlaps(box, t); })) country.style.visibility = "hidden";
      });
      Array.prototype.forEach.call(container.querySelectorAll(".cx-town"), function (town) {
        town.style.visibility = "";
        var name = town.querySelector(".cx-town-name") || town;
        var r = name.getBoundingClientRect();
        var dot = town.getBoundingClientRect();
        var box = { x: dot.left - origin.left, y: r.top - origin.top, w: r.right - dot.left, h: r.height };
        var cut = box.x < 0 || box.y < 0 || box.x + box.w > origin.width || box.y + box.h > origin.height;
        if (cut || taken.some(function (t) { return overlaps(box, t); })) town.style.visibility = "hidden";
        else taken.push(box);
      });
    }

    // ------------------------------------------------------------ legend: only what the scene draws
    // Rows are matched by their text; a row this code does not know stays visible.
    function tailorLegend(scene) {
      var body = container.querySelector(".cx-legend-body");
      if (!body) return;
      var drawn = {};
      var points = false;
      scene.groups.forEach(function (group) {
        if (!group[2].length) return;
        drawn[group[0]] = true;
        if (group[0] !== "routes" && group[0] !== "regular_routes") points = true;
      });
      var section = "";
      Array.prototype.forEach.call(body.children, function (node) {
        var text = (node.textContent || "").trim();
        var lower = text.toLowerCase();
        var visible = true;
        if (node.classList.contains("cx-legend-head")) section = lower;
        if (node.classList.contains("cx-legend-note")) visible = !!drawn.crossings;
        else if (lower.indexOf("border") >= 0) visible = true;
        else if (section.indexOf("legs") >= 0) visible = !!drawn.routes;
        else if (section.indexOf("context") >= 0) visible = !!drawn.regular_routes;
        else if (section.indexOf("confidence") >= 0) visible = points;
        else if (section.indexOf("places") >= 0) {
          visible = points;
          LEGEND_GROUPS.forEach(function (pair) { if (text.indexOf(pair[0]) === 0) visible = !!drawn[pair[1]]; });
        }
        node.classList.toggle("cx-pr-hidden", !visible);
      });
    }

    // ------------------------------------------------------------ scenes
    function sourcesHtml(scene) {
      var parts = scene.source_ids.map(function (sid) {
        var outlet = payload.sources[sid];
        return "<b>" + esc(sid) + "</b>" + (outlet ? " " + esc(outlet) : "");
      });
      return "Sources: " + parts.join(" · ") +
        ' <span class="cx-pr-version">· Crossings dataset version ' + esc(payload.version) + "</span>";
    }

    function drawScene(scene) {
      dataLayer.clearLayers();
      labelLayer.clearLayers();
      scene.groups.forEach(function (group) {
        var layerFeatures = payload.features[group[1]] || {};
        var collection = { type: "FeatureCollection", features: [] };
        group[2].forEach(function (fid) { if (layerFeatures[fid]) collection.features.push(layerFeatures[fid]); });
        var featureGroup = L.featureGroup();
        window.CrossingsMap.draw(featureGroup, group[1], collection);
        featureGroup.addTo(dataLayer);
      });
    }

    function writeCaption(scene, index) {
      bar.querySelector(".cx-pr-count").textContent = index + 1 + " / " + scenes.length;
      bar.querySelector(".cx-pr-dates").textContent = scene.dates;
      bar.querySelector(".cx-pr-title").innerHTML = esc(scene.title);
      bar.querySelector(".cx-pr-caption").innerHTML = esc(scene.caption);
      bar.querySelector(".cx-pr-sources").innerHTML = sourcesHtml(scene);
      prevButton.disabled = index === 0;
      nextButton.disabled = index === scenes.length - 1;
      live.textContent = "Scene " + (index + 1) + " of " + scenes.length + ": " + scene.title;
      layoutControls();
    }

    function writeUrl(scene) {
      try {
        if (payload.url === "hash") {
          window.history.replaceState(window.history.state, "", "#" + encodeURIComponent(scene.id));
          return;
        }
        var top = window.parent;
        if (!top || top === window) return;
        var params = new URLSearchParams(top.location.search);
        params.set("scene", scene.id);
        top.history.replaceState(top.history.state, "", top.location.pathname + "?" + params.toString() + top.location.hash);
      } catch (e) {
        // A parent on another origin: the URL stays as it was.
      }
    }

    // The stylesheet may arrive after this script (the Presenter page loads it next to the map):
    // sizes measured before it applies are wrong, so the first scene is framed again once it does.
    var styled = false;
    function isStyled() {
      return window.getComputedStyle(bar).position === "absolute";
    }

    // map.js lays its permanent crossing labels out again shortly after drawing them (refreshLabels):
    // the short labels are placed now and once more after that, then the scene is marked settled.
    var settleTimer = null;
    function settled(scene) {
      pendingMove = null;
      placeLabels();
      if (settleTimer) window.clearTimeout(settleTimer);
      settleTimer = window.setTimeout(function () {
        settleTimer = null;
        if (pendingMove || scenes[current] !== scene) return;
        placeLabels();
        if (!styled) return;
        container.setAttribute("data-cx-scene", scene.id);
        document.documentElement.setAttribute("data-cx-scene", scene.id);
      }, 450);
    }

    function frame(index, animate) {
      var scene = scenes[index];
      container.removeAttribute("data-cx-scene");
      document.documentElement.removeAttribute("data-cx-scene");
      if (pendingMove) map.off("moveend", pendingMove);
      pendingMove = function () { if (current === index) settled(scene); };
      map.once("moveend", pendingMove);
      var target = viewCenter(scene);
      if (animate && !reducedMotion()) map.flyTo(target, scene.zoom, { duration: 0.9 });
      else map.setView(target, scene.zoom, { animate: false });
    }

    function show(index, animate) {
      if (index < 0 || index >= scenes.length) return;
      current = index;
      writeCaption(scenes[index], index);
      tailorLegend(scenes[index]);
      drawScene(scenes[index]);
      frame(index, animate);
    }

    var moved = false;  // the viewer has stepped, panned or zoomed: the view is theirs
    function relayout() {
      layoutControls();
      map.invalidateSize({ pan: false });
      if (!moved && current >= 0) frame(current, false);
      else if (!pendingMove) placeLabels();
    }

    function waitForStyle(frames) {
      if (isStyled()) {
        styled = true;
        relayout();
        return;
      }
      if (frames > 0) window.requestAnimationFrame(function () { waitForStyle(frames - 1); });
      else {
        styled = true;  // give up waiting: lay out with what there is
        relayout();
      }
    }

    function step(delta) {
      var next = Math.max(0, Math.min(scenes.length - 1, current + delta));
      if (next === current) return;
      moved = true;
      show(next, true);
      writeUrl(scenes[next]);
    }

    function jump(index) {
      if (index === current) return;
      moved = true;
      show(index, true);
      writeUrl(scenes[index]);
    }

    // ------------------------------------------------------------ keyboard
    function onKey(event) {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      var target = event.target;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName || ""))) return;
      var key = event.key;
      if (NEXT[key]) step(1);
      else if (PREV[key]) step(-1);
      else if (key === "Home") jump(0);
      else if (key === "End") jump(scenes.length - 1);
      else return;
      event.preventDefault();
    }
    document.addEventListener("keydown", onKey);
    if (window.parent && window.parent !== window) {
      try {
        var parentWindow = window.parent;
        var parentDocument = parentWindow.document;
        // One listener on the page at a time: a remounted map replaces the previous one.
        if (parentWindow.__cxPresenterKeys) parentDocument.removeEventListener("keydown", parentWindow.__cxPresenterKeys);
        parentWindow.__cxPresenterKeys = onKey;
        parentDocument.addEventListener("keydown", onKey);
        var detach = function () {
          if (parentWindow.__cxPresenterKeys === onKey) {
            parentDocument.removeEventListener("keydown", onKey);
            parentWindow.__cxPresenterKeys = null;
          }
        };
        window.addEventListener("pagehide", detach);
        window.addEventListener("unload", detach);
      } catch (e) {
        // A parent on another origin: keys work with the focus in the map.
      }
    }

    map.on("zoomend", function () { if (!pendingMove) placeLabels(); });
    map.on("dragstart", function () { moved = true; });
    map.on("resize", function () { layoutControls(); if (!pendingMove) placeLabels(); });
    var legendToggle = container.querySelector(".cx-legend-toggle");
    if (legendToggle) legendToggle.addEventListener("click", function () { setTimeout(placeLabels, 0); });
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { if (styled) relayout(); });
    window.addEventListener("load", function () { if (styled) relayout(); });

    show(initialIndex(payload), false);
    waitForStyle(600);
    var api = {
      show: function (i) { jump(i); },
      next: function () { step(1); },
      previous: function () { step(-1); },
      current: function () { return scenes[current].id; },
      labels: function () { return labelLayer.getLayers().length; },
      relabel: function () { placeLabels(); return labelLayer.getLayers().length; }
    };
    window.CrossingsPresenterInstance = api;
    return api;
  }

  window.CrossingsPresenter = { mount: mount };
})();
