/* Crossings presenter: steps a map through the scenes of data/scenes.json in the browser, with no
 * script rerun per step and no network.
 *
 * The payload comes from geo/presenter.py (presenter_payload): each scene names the features it
 * draws per map group, its view, its caption and its source ids; features carry the display strings
 * of the main map and are drawn by CrossingsMap.draw (static/crossings/map.js), so symbols match.
 * Every string from data goes through CrossingsMap.esc() before it reaches HTML.
 * The interface's words come in the page's language with the payload (payload.messages, from
 * geo.i18n.js_messages): t("English") looks them up, filling {named} placeholders.
 *
 * Keys: → / PageDown next scene, ← / PageUp previous, Home / End first / last, R fits the scene again
 * (after a resize or a pan). They work with the
 * focus in the map and, on the Presenter page, in the page around it (the map frame is same-origin).
 * Leaflet's own arrow-key panning and wheel zoom are switched off on this map. */
(function () {
  "use strict";

  var NEXT = { ArrowRight: 1, PageDown: 1, Right: 1 };
  // Legend rows (and headings) of map.js carry data-group: a map group, or a part of the legend.
  var POINT_GROUPS = ["crossings", "other_crossings", "detention_centres", "receiving_facilities", "events"];
  var PREV = { ArrowLeft: 1, PageUp: 1, Left: 1 };
  var LABEL_GAP = 6;
  var MESSAGES = {};

  // The message in the page's language (its English id where there is no translation), {named} filled.
  function t(id, values) {
    var text = Object.prototype.hasOwnProperty.call(MESSAGES, id) ? MESSAGES[id] : id;
    if (!values) return text;
    return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  // A message as HTML: its own text escaped, its {named} placeholders filled with HTML made here.
  function fillHtml(message, html) {
    return esc(message).replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(html, name) ? html[name] : whole;
    });
  }

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
    MESSAGES = payload.messages || {};
    var container = map.getContainer();
    if (payload.lang) container.setAttribute("lang", payload.lang);
    container.classList.add("cx-presenter");
    document.documentElement.classList.add("cx-presenter-doc");
    if (map.keyboard) map.keyboard.disable();
    // No accidental zooming by a trackpad or wheel mid-talk (the + / − buttons zoom); the wheel
    // scrolls the page instead, down to the presenter's tools on the Presenter page.
    if (map.scrollWheelZoom) map.scrollWheelZoom.disable();
    // Top left: the right-hand side is the legend's, which can run the whole height of the map.
    if (map.zoomControl) map.zoomControl.setPosition("topleft");
    // Room to put a scene in the middle of the part the bar and legend leave free, even at the edges.
    map._cxFitsScenes = true;  // map.js: the scene decides the zoom, not the mapped region
    if (map.options.maxBounds) map.setMaxBounds(L.latLngBounds(map.options.maxBounds).pad(1));
    map.invalidateSize();

    var dataLayer = L.layerGroup().addTo(map);
    var labelLayer = L.layerGroup().addTo(map);
    var current = -1;
    var pendingMove = null;

    // ------------------------------------------------------------ caption bar
    var bar = el("div", "cx-pr-bar");
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", t("Scene caption"));
    bar.innerHTML =
      '<div class="cx-pr-main">' +
      '<div class="cx-pr-kicker"><span class="cx-pr-count"></span><span class="cx-pr-dates"></span></div>' +
      '<h1 class="cx-pr-title"></h1>' +
      '<p class="cx-pr-caption"></p>' +
      '<div class="cx-pr-sources"></div>' +
      "</div>" +
      '<div class="cx-pr-nav">' +
      '<button type="button" class="cx-pr-prev" aria-label="' + esc(t("Previous scene")) + '" title="' +
      esc(t("Previous scene (← or Page Up)")) + '">&#8592;</button>' +
      '<button type="button" class="cx-pr-next" aria-label="' + esc(t("Next scene")) + '" title="' +
      esc(t("Next scene (→ or Page Down)")) + '">&#8594;</button>' +
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
      container.style.setProperty("--cx-pr-bar", onSide() ? "0px" : bar.offsetHeight + "px");
      container.style.setProperty("--cx-pr-side", onSide() ? bar.offsetWidth + "px" : "0px");
    }

    // On a landscape phone (presenter.css) the bar is a panel down the right side of the map.
    function onSide() {
      return bar.offsetHeight > container.offsetHeight * 0.8;
    }

    // The part of the map not covered by the bar, the legend or the zoom buttons, with room for the
    // crossing labels (right of or above their symbols): a scene is fitted inside it.
    function padding() {
      var legend = container.querySelector(".cx-legend");
      var legendWidth = legend && !legend.classList.contains("cx-collapsed") ? legend.offsetWidth + 16 : 0;
      if (legendWidth > map.getSize().x / 2) legendWidth = 0;
      var zoom = container.querySelector(".leaflet-control-zoom");
      var top = Math.max(36, zoom ? zoom.offsetTop + zoom.offsetHeight + 8 : 0);
      var label = container.querySelector(".cx-label");
      // (A label laid out before the stylesheet applies spans the whole map: never more than a third.)
      var labelWidth = label ? Math.min(label.offsetWidth, map.getSize().x / 3) + 24 : 0;
      var scale = container.querySelector(".leaflet-control-scale");
      if (onSide()) {
        return { left: 36, top: top, right: bar.offsetWidth + Math.max(legendWidth, labelWidth, 36), bottom: (scale ? scale.offsetHeight + 8 : 12) + 16 };
      }
      var bottom = bar.offsetHeight + 16 + (scale ? scale.offsetHeight + 8 : 12);
      return { left: 36, top: top, right: Math.max(legendWidth, labelWidth, 36), bottom: bottom };
    }

    function sceneBounds(scene) {
      var bounds = L.latLngBounds([]);
      scene.groups.forEach(function (group) {
        var layerFeatures = payload.features[group[1]] || {};
        group[2].forEach(function (fid) {
          var g = layerFeatures[fid] && layerFeatures[fid].geometry;
          if (!g) return;
          var coords = g.type === "Point" ? [g.coordinates] : g.coordinates;
          coords.forEach(function (c) { bounds.extend(L.latLng(c[1], c[0])); });
        });
      });
      return bounds;
    }

    // Every feature of the scene inside the free part of the map, as close as that allows (never
    // closer than the scene's own zoom when it is a single place). Zooming out past the mapped
    // region shows its "not mapped" veil at an edge: better than a named place off screen.
    function sceneView(scene) {
      var pad = padding();
      var bounds = sceneBounds(scene);
      var zoom = scene.zoom;
      var center = L.latLng(scene.center[0], scene.center[1]);
      if (bounds.isValid()) {
        map.options.minZoom = Math.min(map.options.minZoom, 4);
        zoom = map.getBoundsZoom(bounds, false, L.point(pad.left + pad.right, pad.top + pad.bottom));
        if (bounds.getNorthEast().equals(bounds.getSouthWest())) zoom = Math.min(zoom, scene.zoom);
        zoom = Math.min(zoom, 9);
        center = bounds.getCenter();
      }
      var shift = L.point((pad.right - pad.left) / 2, (pad.bottom - pad.top) / 2);
      var view = { center: map.unproject(map.project(center, zoom).add(shift), zoom), zoom: zoom };
      return bounds.isValid() ? withoutVeil(scene, view) || view : view;
    }

    // The same scene without the "not mapped" veil when it can be had: at the zoom where the mapped
    // region fills the map (if that is not much closer) and with the view held inside the region,
    // as long as every feature still lies clear of the caption bar, the legend and the buttons.
    function withoutVeil(scene, view) {
      var region = map._cxRegion;
      if (!region) return null;
      var snap = map.options.zoomSnap || 1;
      var fill = Math.ceil(map.getBoundsZoom(region, true) / snap) * snap;
      var zoom = Math.max(view.zoom, fill);
      if (zoom - view.zoom > 1) return null;
      var size = map.getSize();
      var half = size.divideBy(2);
      var nw = map.project(region.getNorthWest(), zoom), se = map.project(region.getSouthEast(), zoom);
      var c = map.project(view.center, zoom);
      var clamp = function (v, lo, hi) { return lo > hi ? (lo + hi) / 2 : Math.min(Math.max(v, lo), hi); };
      var centre = L.point(clamp(c.x, nw.x + half.x, se.x - half.x), clamp(c.y, nw.y + half.y, se.y - half.y));
      var origin = container.getBoundingClientRect();
      var blocked = Array.prototype.map.call(
        container.querySelectorAll(".cx-legend:not(.cx-collapsed), .cx-pr-bar, .leaflet-control-zoom, .leaflet-control-scale"),
        function (node) {
          var r = node.getBoundingClientRect();
          return { x: r.left - origin.left - 14, y: r.top - origin.top - 14, w: r.width + 28, h: r.height + 28 };
        }
      );
      var margin = 30;
      var top = padding().top;
      var label = container.querySelector(".cx-label");
      var labelSize = label ? L.point(Math.min(label.offsetWidth, size.x / 3), label.offsetHeight) : L.point(0, 0);
      var points = [];
      scene.groups.forEach(function (group) {
        var layerFeatures = payload.features[group[1]] || {};
        group[2].forEach(function (fid) {
          var g = layerFeatures[fid] && layerFeatures[fid].geometry;
          if (!g) return;
          (g.type === "Point" ? [g.coordinates] : g.coordinates).forEach(function (xy) {
            var at = map.project(L.latLng(xy[1], xy[0]), zoom).subtract(centre).add(half);
            points.push({ at: at, crossing: group[0] === "crossings" && g.type === "Point" });
          });
        });
      });
      var symbolBox = function (q) { return { x: q.x - 14, y: q.y - 14, w: 28, h: 28 }; };
      var free = function (r, own) {
        return r.x >= 4 && r.y >= top && r.x + r.w <= size.x - 4 && r.y + r.h <= size.y - 4 &&
          !blocked.some(function (b) { return overlaps(r, b); }) &&
          !points.some(function (q) { return q.at !== own && overlaps(r, symbolBox(q.at)); });
      };
      var clear = points.every(function (q) {
        var p = q.at;
        if (p.x < margin || p.y < top || p.x > size.x - margin || p.y > size.y - margin) return false;
        if (blocked.some(function (b) { return overlaps(symbolBox(p), b); })) return false;
        if (!q.crossing || !labelSize.x) return true;
        // A crossing's label needs room beside it, on one side or the other, covering nothing.
        var y = p.y - labelSize.y / 2;
        return free({ x: p.x + 16, y: y, w: labelSize.x, h: labelSize.y }, p) ||
          free({ x: p.x - 16 - labelSize.x, y: y, w: labelSize.x, h: labelSize.y }, p);
      });
      return clear ? { center: map.unproject(centre, zoom), zoom: zoom } : null;
    }

    // ------------------------------------------------------------ short labels for unlabelled symbols
    function obstacles() {
      var origin = container.getBoundingClientRect();
      var boxes = [];
      var selectors = ".cx-label, .cx-icon, .cx-leg-chip, .cx-country, .cx-legend, .cx-pr-bar, .leaflet-control-zoom, .leaflet-control-scale";
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

    // Where a feature's symbol is drawn: its place, or where map.js moved it so nothing covers it.
    function symbolPoint(fid, c) {
      var icons = container.querySelectorAll(".leaflet-marker-pane .cx-icon");
      var origin = container.getBoundingClientRect();
      for (var i = 0; i < icons.length; i++) {
        if (icons[i].getAttribute("data-fid") !== fid) continue;
        var svg = icons[i].querySelector("svg") || icons[i];
        var r = svg.getBoundingClientRect();
        return L.point(r.left - origin.left + r.width / 2, r.top - origin.top + r.height / 2);
      }
      return map.latLngToContainerPoint(L.latLng(c[1], c[0]));
    }

    function placeLabels() {
      labelLayer.clearLayers();
      if (current < 0) return;
      window.CrossingsMap.layout(map);
      var scene = scenes[current];
      var size = map.getSize();
      var taken = obstacles();
      scene.groups.forEach(function (group) {
        if (scene.labelled.indexOf(group[0]) < 0) return;
        group[2].forEach(function (fid) {
          var feature = (payload.features[group[1]] || {})[fid];
          if (!feature || feature.geometry.type !== "Point" || !feature.properties.pr_label) return;
          var c = feature.geometry.coordinates;
          var at = symbolPoint(fid, c);
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
    // Rows are matched by their data-group; a row without one stays visible.
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
      var rules = {
        places: points, areas: points, confidence: points, routes: !!drawn.routes,
        regular_routes: !!drawn.regular_routes,
        note: !!drawn.crossings, border: true, selection: true
      };
      POINT_GROUPS.forEach(function (name) { rules[name] = !!drawn[name]; });
      Array.prototype.forEach.call(body.children, function (node) {
        var group = node.getAttribute("data-group");
        var visible = !group || !(group in rules) || rules[group];
        node.classList.toggle("cx-pr-hidden", !visible);
      });
    }

    // ------------------------------------------------------------ scenes
    function sourcesHtml(scene) {
      var parts = scene.source_ids.map(function (sid) {
        var outlet = payload.sources[sid];
        return "<b>" + esc(sid) + "</b>" + (outlet ? " " + esc(outlet) : "");
      });
      return fillHtml(t("Sources: {sources}"), { sources: parts.join(" · ") }) +
        ' <span class="cx-pr-version">· ' + esc(t("Crossings dataset version {version}", { version: payload.version })) +
        "</span>";
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
      bar.querySelector(".cx-pr-title").textContent = scene.title;
      bar.querySelector(".cx-pr-caption").textContent = scene.caption;
      bar.querySelector(".cx-pr-sources").innerHTML = sourcesHtml(scene);
      prevButton.disabled = index === 0;
      nextButton.disabled = index === scenes.length - 1;
      live.textContent = t("Scene {number} of {total}: {title}", { number: index + 1, total: scenes.length, title: scene.title });
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
    var refits = 0;
    function settled(scene) {
      pendingMove = null;
      placeLabels();
      if (settleTimer) window.clearTimeout(settleTimer);
      settleTimer = window.setTimeout(function () {
        settleTimer = null;
        if (pendingMove || scenes[current] !== scene) return;
        // Framed while the page was still settling (frame height, fonts, labels): fit it again, a few
        // times at most, until the view is the one the scene asks for now.
        if (styled && refits < 3) {
          var target = sceneView(scene);
          var off = map.latLngToContainerPoint(target.center).distanceTo(map.getSize().divideBy(2));
          if (Math.abs(target.zoom - map.getZoom()) > 0.01 || off > 2) {
            refits++;
            frame(current, false);
            return;
          }
        }
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
      var target = sceneView(scene);
      if (animate && !reducedMotion()) map.flyTo(target.center, target.zoom, { duration: 0.9 });
      else map.setView(target.center, target.zoom, { animate: false });
    }

    function show(index, animate) {
      if (index < 0 || index >= scenes.length) return;
      current = index;
      refits = 0;
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
      var key = event.key;
      // A clicker sends Page Down / Page Up and never means to type: those step even with the focus
      // left in a field (the scene picker after a pick); other keys are the field's.
      var clicker = key === "PageDown" || key === "PageUp";
      if (!clicker && target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName || ""))) return;
      if (NEXT[key]) step(1);
      else if (PREV[key]) step(-1);
      else if (key === "Home") jump(0);
      else if (key === "End") jump(scenes.length - 1);
      else if (key === "r" || key === "R") frame(current, false);
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
      } catch (e) {
        // A parent on another origin: keys work with the focus in the map.
      }
    }

    map.on("zoomend", function () { if (!pendingMove) placeLabels(); });
    map.on("dragstart", function () { moved = true; });
    // A new window size (the projector came on, full screen, the page set the frame's height): the
    // scene is fitted again unless the viewer has moved the view themselves; R fits it again anyway.
    var resizeTimer = null;
    map.on("resize", function () {
      layoutControls();
      if (resizeTimer) window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(function () {
        resizeTimer = null;
        if (!moved && current >= 0) frame(current, false);
        else if (!pendingMove) placeLabels();
      }, 120);
    });
    var legendToggle = container.querySelector(".cx-legend-toggle");
    if (legendToggle) legendToggle.addEventListener("click", function () { setTimeout(placeLabels, 0); });
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { if (styled) relayout(); });
    window.addEventListener("load", function () { if (styled) relayout(); });

    // After a pick in the scene picker below the map: the map comes back into view and the picker
    // lets go of the focus, so the clicker's arrow keys step again.
    // (Streamlit scrolls its main block, not the window: the map's frame is scrolled into view instead.)
    function releasePicker(picked) {
      try {
        if (window.parent === window) return;
        var active = window.parent.document.activeElement;
        var inControls = active && active.closest && active.closest(".st-key-presenter-controls");
        if (inControls) active.blur();
        if ((inControls || picked) && window.frameElement) window.frameElement.scrollIntoView({ block: "start" });
      } catch (e) {
        // A parent on another origin: nothing to do.
      }
    }

    // The scene the page asks for (the picker, or ?scene= on the first load), sent with every rerun
    // as st_folium's feature group; the first one arrives in the same task as this mount, so it is
    // shown at once, a later one (a pick) is flown to.
    var asked = false;
    function goTo(id) {
      var index = -1;
      for (var i = 0; i < scenes.length; i++) if (scenes[i].id === id) index = i;
      if (index < 0) return;
      if (!asked) {
        asked = true;
        if (index !== current) show(index, false);
        return;
      }
      jump(index);
      releasePicker(true);
    }

    releasePicker();
    show(initialIndex(payload), false);
    waitForStyle(600);
    var api = {
      goTo: goTo,
      show: function (i) { jump(i); },
      next: function () { step(1); },
      previous: function () { step(-1); },
      current: function () { return scenes[current].id; },
      labels: function () { return labelLayer.getLayers().length; },
      relabel: function () { placeLabels(); return labelLayer.getLayers().length; }
    };
    return api;
  }

  // Called by the Presenter page's feature group (geo.presenter.scene_group) with the picked scene.
  var mounted = null;
  function goTo(layer, id) {
    if (mounted) mounted.goTo(id);
  }

  window.CrossingsPresenter = {
    mount: function (map, payload) {
      mounted = mount(map, payload);
      return mounted;
    },
    goTo: goTo
  };
})();
