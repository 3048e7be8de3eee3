/* Crossings map renderer: draws the offline basemap, the data layers and the legend.
 * Data arrives as GeoJSON with display strings already formatted by geo/payload.py.
 * Every string from data goes through esc() before it reaches HTML. */
(function () {
  "use strict";

  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;", "$": "&#36;", "\\": "&#92;" };
  // The interface's words: the page sends them in its language with the map's constant settings
  // (geo.i18n.js_messages); t("English text", {named: value}) looks one up and fills its placeholders.
  var MESSAGES = {}, LANG = "en", WORDS = null;
  function t(id, values) {
    var text = Object.prototype.hasOwnProperty.call(MESSAGES, id) ? MESSAGES[id] : id;
    return values ? text.replace(/\{(\w+)\}/g, function (m, k) { return Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m; }) : text;
  }
  function settings(map, given) {
    MESSAGES = (given && given.messages) || {};
    LANG = (given && given.lang) || "en";
    WORDS = (given && given.words) || null;
  }
  // A finger taps, a mouse clicks: tooltips say which (the same test as map.css's touch-screen rules).
  var TOUCH = !!(window.matchMedia && window.matchMedia("(hover: none) and (pointer: coarse)").matches);
  // A feature's name in the page's language: its Korean name in Korean where the data has one.
  function localName(p) {
    return LANG === "ko" && p.name_ko ? p.name_ko : p.name_en;
  }

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"'`$\\]/g, function (c) {
      return ESCAPES[c];
    });
  }

  // folium's page forbids pinch zoom (user-scalable=no, maximum-scale=1): a reader who needs larger
  // text must be able to zoom the page (WCAG 1.4.4).
  // (Called again when a map is drawn: streamlit-folium writes folium's page after loading this file.)
  function allowZoom() {
    Array.prototype.forEach.call(document.querySelectorAll('meta[name="viewport"]'), function (viewport) {
      viewport.setAttribute("content", "width=device-width, initial-scale=1.0");
    });
  }
  allowZoom();

  // The smallest box a pointer or a finger has to hit (WCAG 2.5.8): a smaller symbol sits centred in it.
  var TARGET = 24;

  // Okabe–Ito colour-blind-safe palette; every layer also has its own shape.
  var STYLE = {
    detention_centres: { color: "#D55E00", shape: "square" },
    crossings: { color: "#0072B2", shape: "diamond" },
    other_crossings: { color: "#6b6b6b", shape: "diamond" },
    receiving_facilities: { color: "#9E2A7B", shape: "triangle" },
    events: { color: "#B07A00", shape: "circle" },
    routes: { color: "#1d1d1d", label: "9 Oct 2023 leg" },
    regular_routes: { color: "#8a8a8a", weight: 2, dash: "2 6" },
    uploaded: { color: "#009E73", shape: "circle" }
  };

  function shapeSvg(shape, color, confidence, size) {
    var s = size || 18;
    var fill = confidence === "confirmed" ? color : confidence === "single-source" ? color : "#ffffff";
    var fillOpacity = confidence === "confirmed" ? 0.95 : confidence === "single-source" ? 0.45 : 1;
    var dash = confidence === "inferred" || confidence === "unknown" ? ' stroke-dasharray="3 2"' : "";
    var attrs = ' fill="' + fill + '" fill-opacity="' + fillOpacity + '" stroke="' + color + '" stroke-width="2.5"' + dash;
    var body;
    if (shape === "square") body = '<rect x="3" y="3" width="' + (s - 6) + '" height="' + (s - 6) + '"' + attrs + "/>";
    else if (shape === "diamond") body = '<polygon points="' + s / 2 + ",1 " + (s - 1) + "," + s / 2 + " " + s / 2 + "," + (s - 1) + " 1," + s / 2 + '"' + attrs + "/>";
    else if (shape === "triangle") body = '<polygon points="' + s / 2 + ",2 " + (s - 2) + "," + (s - 2) + " 2," + (s - 2) + '"' + attrs + "/>";
    else body = '<circle cx="' + s / 2 + '" cy="' + s / 2 + '" r="' + (s / 2 - 2) + '"' + attrs + "/>";
    return '<svg xmlns="http://www.w3.org/2000/svg" width="' + s + '" height="' + s + '" viewBox="0 0 ' + s + " " + s + '" aria-hidden="true">' + body + "</svg>";
  }

  function names(p) {
    var parts = [];
    if (LANG === "ko" && p.name_ko) { if (p.name_en) parts.push(esc(p.name_en)); } else if (p.name_ko) parts.push(esc(p.name_ko));
    if (p.name_zh) parts.push(esc(p.name_zh));
    return parts.length ? '<div class="cx-names">' + parts.join(" · ") + "</div>" : "";
  }

  // The hidden id lets the app know which feature was clicked (streamlit-folium returns the tooltip text).
  function fid(p) {
    return '<span class="cx-fid" hidden>\u27E6' + esc(p.id) + "\u27E7</span>";
  }

  function tooltipHtml(p) {
    var rows = [
      '<div class="cx-tt-title">' + esc(localName(p)) + "</div>",
      names(p),
      '<div class="cx-tt-row">' + esc(p.kind_label) + "</div>"
    ];
    if (p.date_label) rows.push('<div class="cx-tt-row">' + esc(p.date_label) + "</div>");
    if (p.count_label) rows.push('<div class="cx-tt-row">' + esc(t("People: {count}", { count: p.count_label })) + "</div>");
    rows.push('<div class="cx-tt-row">' + esc(p.confidence_label) + "</div>");
    if (p.precision_label) rows.push('<div class="cx-tt-row cx-muted">' + esc(t("Location: {place}", { place: p.precision_label })) + "</div>");
    rows.push('<div class="cx-tt-row cx-muted">' + esc(TOUCH ? t("Tap for details and sources") : t("Click for details and sources")) + "</div>");
    return rows.join("") + fid(p);
  }

  // Who keeps its true place when symbols would overlap (lower first): the crossings of 9 Oct,
  // then the other places; a dated event moves aside for the place it happened at.
  var RANK = { crossings: 0, receiving_facilities: 1, other_crossings: 2, detention_centres: 3, events: 4, uploaded: 5 };
  var LABEL_OFFSETS = { right: [14, 0], left: [-14, 0], top: [0, -14], bottom: [0, 14] };
  // A leg shorter than this on screen (pixels) is shown by a chip beside it as well (drawLine).
  var LEG_CHIP_BELOW = 40;

  function styleKey(layerName, p) {
    if (layerName === "crossings" && !p.used) return "other_crossings";
    return layerName;
  }

  function drawPoint(group, layerName, feature) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    var latlng = L.latLng(c[1], c[0]);
    var st = STYLE[styleKey(layerName, p)];
    if (p.radius_m && p.area_precision) {
      L.circle(latlng, {
        radius: p.radius_m, color: st.color, weight: 1.5, dashArray: "4 4", fillColor: st.color,
        fillOpacity: 0.07, interactive: false
      }).addTo(group);
    }
    var big = layerName === "crossings" && p.used;
    var size = big ? 24 : layerName === "events" ? 14 : 18;
    var target = Math.max(size, TARGET);
    var icon = L.divIcon({
      className: "cx-icon",
      html: shapeSvg(st.shape, st.color, p.confidence, size),
      iconSize: [target, target],
      iconAnchor: [target / 2, target / 2]
    });
    var marker = L.marker(latlng, {
      icon: icon, keyboard: true, title: localName(p), alt: localName(p), riseOnHover: true,
      // Symbols above the basemap's town names; what layoutSymbols needs to place the symbol.
      zIndexOffset: 1000, cxSymbol: { rank: big ? 0 : RANK[styleKey(layerName, p)] || 5, size: target, fid: p.id }
    });
    marker.on("add", function () {
      var el = marker.getElement();
      if (!el) return;
      el.setAttribute("data-fid", p.id);
      if (el._cxKeys) return;
      el._cxKeys = true;
      // Enter or Space selects the focused symbol, as a click does (Leaflet alone only opens a popup).
      L.DomEvent.on(el, "keydown", function (ev) {
        if (ev.key !== "Enter" && ev.key !== " " && ev.key !== "Spacebar") return;
        L.DomEvent.preventDefault(ev);
        marker.fire("click", { latlng: latlng, sourceTarget: marker, originalEvent: ev }, true);
      });
    });
    marker.on("add", function () { scheduleLayout(marker._map); });
    if (big) {
      // A click on the label counts as a click on the crossing (streamlit-folium listens on the marker).
      var refit = function () { fitLabel(marker.getTooltip()); };
      marker.on("add", function () { marker._map.on("moveend", refit); });
      marker.on("remove", function () { if (marker._map) marker._map.off("moveend", refit); });
      marker.on("tooltipopen", function (e) {
        watchLabelSize(e.tooltip);
        var el = e.tooltip.getElement();
        if (el && !el._cxClick) {
          el._cxClick = true;
          L.DomEvent.on(el, "click", function (ev) {
            L.DomEvent.stop(ev);
            marker.fire("click", { latlng: latlng, sourceTarget: marker, originalEvent: ev }, true);
          });
        }
      });
      var side = p.label_side || "right";
      marker.bindTooltip(
        '<span class="cx-label-name">' + esc(p.label) + '</span><span class="cx-label-count">' + esc(p.count_label) + "</span>" + fid(p),
        { permanent: true, direction: side, offset: LABEL_OFFSETS[side], className: "cx-label", interactive: false, cxSide: side }
      );
    } else {
      marker.bindTooltip(tooltipHtml(p), { direction: "top", offset: [0, -10], className: "cx-tooltip" });
    }
    marker.addTo(group);
  }

  function bearing(a, b) {
    return (Math.atan2(b[0] - a[0], b[1] - a[1]) * 180) / Math.PI;
  }

  // A layer whose STYLE has a dash (a context layer) gets its own thin line and no arrow.
  function drawLine(group, feature, st) {
    var p = feature.properties;
    var coords = feature.geometry.coordinates;
    var latlngs = coords.map(function (c) { return [c[1], c[0]]; });
    var inferred = p.evidence === "inferred";
    // A wide transparent line under the visible one makes thin legs easy to hover and click.
    var hit = L.polyline(latlngs, { color: "#000", opacity: 0, weight: 14 });
    var context = st && st.dash;
    var line = L.polyline(latlngs, context ? { color: st.color, weight: st.weight, dashArray: st.dash, opacity: 0.9, interactive: false } : {
      color: inferred ? "#555555" : STYLE.routes.color, weight: inferred ? 3 : 4,
      dashArray: inferred ? "10 8" : null, opacity: 0.9, interactive: false
    });
    hit.bindTooltip(tooltipHtml(p), { sticky: true, className: "cx-tooltip" });
    line.addTo(group);
    hit.addTo(group);
    if (context) return;
    var a = coords[0], b = coords[coords.length - 1];
    // A leg only a few pixels long at this zoom lies under its end symbols: layoutSymbols then shows
    // this chip (an arrow in the leg's direction) beside it, to see and click the leg by.
    var chipSize = TARGET;
    var chip = L.marker(latlngs[Math.floor(latlngs.length / 2)], {
      keyboard: true, title: localName(p), alt: localName(p), zIndexOffset: 900,
      cxSymbol: { rank: 6, size: chipSize, fid: p.id, leg: latlngs },
      icon: L.divIcon({
        className: "cx-leg-chip" + (inferred ? " cx-leg-chip-inferred" : ""),
        html: '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">' +
          '<rect x="1" y="1" width="14" height="14" rx="3" fill="#fff" stroke="' + (inferred ? "#555555" : STYLE.routes.color) + '" stroke-width="1.5"' +
          (inferred ? ' stroke-dasharray="3 2"' : "") + "/>" +
          '<g transform="rotate(' + (bearing(a, b) - 90).toFixed(1) + ' 8 8)"><path d="M4 8h7M8.5 5l3 3-3 3" fill="none" stroke="#1d1d1d" stroke-width="1.6"/></g></svg>',
        iconSize: [chipSize, chipSize],
        iconAnchor: [chipSize / 2, chipSize / 2]
      })
    });
    chip.bindTooltip(tooltipHtml(p), { direction: "top", offset: [0, -10], className: "cx-tooltip" });
    chip.on("add", function () {
      var el = chip.getElement();
      el.setAttribute("data-fid", p.id);
      L.DomEvent.on(el, "keydown", function (ev) {
        if (ev.key !== "Enter" && ev.key !== " " && ev.key !== "Spacebar") return;
        L.DomEvent.preventDefault(ev);
        chip.fire("click", { latlng: chip.getLatLng(), sourceTarget: chip, originalEvent: ev }, true);
      });
      scheduleLayout(chip._map);
    });
    chip.addTo(group);
    // A leg of a kilometre or two would put its arrow on top of its own end symbols (its chip says it).
    if (Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) < 0.2) return;
    var mid = [(a[1] + b[1]) / 2, (a[0] + b[0]) / 2];
    var angle = bearing(a, b);
    var html = '<div class="cx-arrow" style="transform: rotate(' + angle.toFixed(1) + 'deg)">&#9650;</div>' +
      (inferred ? '<div class="cx-leg-tag">inferred</div>' : "");
    chip.options.cxSymbol.tag = L.marker(mid, { icon: L.divIcon({ className: "cx-mid", html: html, iconSize: [60, 30], iconAnchor: [30, 8] }), interactive: false, keyboard: false }).addTo(group);
  }

  // Permanent labels are laid out when they open; if the stylesheet or fonts arrive later their
  // measured width is stale (a label laid out before map.css spans the whole map, so a left or top
  // label lands hundreds of pixels away), so each label is laid out again whenever its size changes.
  var labelSizes = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var tooltip = entry.target._cxTooltip;
      if (tooltip && tooltip._map) {
        fitLabel(tooltip);
        scheduleLayout(tooltip._map);
      }
    });
  }) : null;

  // A label above its crossing is centred on it; near the edge of the map it slides sideways so
  // that it stays whole (the view cannot pan past the mapped region to make room).
  function fitLabel(tooltip) {
    var map = tooltip._map;
    var el = tooltip.getElement();
    if (!map || !el) return;
    var base = tooltip._cxOffset || (tooltip._cxOffset = L.point(tooltip.options.offset));
    tooltip.options.offset = base;
    tooltip.update();
    if (tooltip.options.direction !== "top" && tooltip.options.direction !== "bottom") return;
    var box = el.getBoundingClientRect();
    var frame = map.getContainer().getBoundingClientRect();
    var dx = box.right > frame.right - 4 ? frame.right - 4 - box.right : box.left < frame.left + 4 ? frame.left + 4 - box.left : 0;
    if (dx) {
      tooltip.options.offset = base.add([Math.round(dx), 0]);
      tooltip.update();
    }
  }

  // A hover tooltip is as wide as its text (map.css); near the map's left or right edge it slides
  // sideways to stay whole (the next update, e.g. a zoom, places it again from its own offset).
  function keepTooltipInside(tooltip) {
    var map = tooltip._map;
    var el = tooltip.getElement();
    if (!map || !el || tooltip.options.permanent || tooltip.options.direction !== "top") return;
    var box = el.getBoundingClientRect();
    var frame = map.getContainer().getBoundingClientRect();
    var dx = box.right > frame.right - 4 ? frame.right - 4 - box.right : box.left < frame.left + 4 ? frame.left + 4 - box.left : 0;
    if (!dx) return;
    var own = tooltip.options.offset;
    tooltip.options.offset = L.point(own).add([Math.round(dx), 0]);
    tooltip.update();
    tooltip.options.offset = own;
  }

  function watchLabelSize(tooltip) {
    var el = tooltip.getElement();
    if (el && labelSizes && !el._cxTooltip) {
      el._cxTooltip = tooltip;
      labelSizes.observe(el);
    }
  }

  function refreshLabels(group) {
    var update = function () {
      group.eachLayer(function (layer) {
        var tooltip = layer.getTooltip && layer.getTooltip();
        if (tooltip && tooltip.options.permanent && layer.isTooltipOpen()) fitLabel(tooltip);
      });
    };
    setTimeout(update, 0);
    setTimeout(update, 400);
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(update);
    // Once the page has loaded no load event comes: listening then would only keep the group alive.
    if (document.readyState !== "complete") window.addEventListener("load", update, { once: true });
  }

  // ---------------------------------------------------------------- symbol layout
  // No symbol hides another and no crossing label hides a symbol. Whenever the view changes, the
  // crossings of 9 Oct keep their true places and their labels take the side that covers nothing;
  // every other symbol keeps its true place when it is free there, or moves to the nearest free
  // spot around it, with a thin leader line back to where it is. (Several events and facilities
  // share the coordinates of a crossing or a town: without this they are drawn under it.)
  function box(x, y, w, h) { return { x: x, y: y, w: w, h: h }; }

  function overlapArea(a, b) {
    var w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
    var h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
    return w > 0 && h > 0 ? w * h : 0;
  }

  function elementBox(el, origin) {
    var r = el.getBoundingClientRect();
    return box(r.left - origin.left, r.top - origin.top, r.width, r.height);
  }

  function setLabelSide(tooltip, side) {
    tooltip.options.direction = side;
    tooltip._cxOffset = L.point(LABEL_OFFSETS[side]);
    fitLabel(tooltip);
  }

  var layoutPending = [];
  function scheduleLayout(map) {
    if (!map || layoutPending.indexOf(map) >= 0) return;
    layoutPending.push(map);
    setTimeout(function () {
      layoutPending.splice(layoutPending.indexOf(map), 1);
      layoutSymbols(map);
    }, 0);
  }

  function watchLayout(map) {
    if (map._cxLayout) return;
    map._cxLayout = true;
    map.on("zoomend moveend resize", function () { scheduleLayout(map); });
    map.on("tooltipopen", function (e) { keepTooltipInside(e.tooltip); });
  }

  function layoutSymbols(map) {
    if (!map || !map._loaded) return;
    watchLayout(map);
    var markers = [];
    var tags = [];
    map.eachLayer(function (layer) {
      var symbol = layer.options && layer.options.cxSymbol;
      if (!symbol || !layer.getElement || !layer.getElement()) return;
      if (symbol.tag) tags.push(symbol.tag);
      if (symbol.leg) {
        var ends = [symbol.leg[0], symbol.leg[symbol.leg.length - 1]].map(function (ll) { return map.latLngToContainerPoint(ll); });
        var shown = ends[0].distanceTo(ends[1]) < LEG_CHIP_BELOW;
        layer.getElement().style.display = shown ? "" : "none";
        // The chip says "inferred" by its dashed border; the leg's own arrow and tag would sit
        // among the end symbols.
        var tag = symbol.tag && symbol.tag.getElement();
        if (tag) tag.style.display = shown ? "none" : "";
        if (!shown) return;
      }
      markers.push(layer);
    });
    markers.sort(function (a, b) {
      var ra = a.options.cxSymbol, rb = b.options.cxSymbol;
      return ra.rank - rb.rank || (String(ra.fid) < String(rb.fid) ? -1 : String(ra.fid) > String(rb.fid) ? 1 : 0);
    });
    var container = map.getContainer();
    var origin = container.getBoundingClientRect();
    var size = map.getSize();
    var GAP = 2;
    var at = markers.map(function (m) { return map.latLngToContainerPoint(m.getLatLng()); });
    var trueBox = function (i, dx, dy) {
      var s = markers[i].options.cxSymbol.size + 2 * GAP;
      return box(at[i].x + (dx || 0) - s / 2, at[i].y + (dy || 0) - s / 2, s, s);
    };
    var placed = [];
    var labels = [];
    // The map's own controls (zoom, layers, legend, scale) are in the way too.
    var controls = Array.prototype.map.call(container.querySelectorAll(".leaflet-control"), function (el) {
      return elementBox(el, origin);
    }).filter(function (b) { return b.w && b.h; });
    // 1. The crossings of 9 Oct at their places.
    markers.forEach(function (m, i) { if (m.options.cxSymbol.rank === 0) placed.push(trueBox(i)); });
    // 2. Their labels, on the side that covers the fewest symbols and other labels.
    markers.forEach(function (m, i) {
      var tooltip = m.getTooltip && m.getTooltip();
      if (!tooltip || !tooltip.options.permanent || !m.isTooltipOpen() || !tooltip.getElement()) return;
      var preferred = tooltip.options.cxSide || "right";
      var sides = [preferred, "right", "left", "top", "bottom"].filter(function (s, k, all) { return all.indexOf(s) === k; });
      var best = null;
      sides.forEach(function (side) {
        if (best && best.cost === 0) return;
        setLabelSide(tooltip, side);
        var b = elementBox(tooltip.getElement(), origin);
        var cost = 0;
        markers.forEach(function (other, j) { cost += 4 * overlapArea(b, trueBox(j)); });
        labels.forEach(function (l) { cost += 4 * overlapArea(b, l); });
        controls.forEach(function (c) { cost += 2 * overlapArea(b, c); });
        var inside = overlapArea(b, box(0, 0, size.x, size.y));
        cost += 3 * (b.w * b.h - inside);
        if (!best || cost < best.cost) best = { side: side, cost: cost, box: b };
      });
      if (best) {
        if (tooltip.options.direction !== best.side) setLabelSide(tooltip, best.side);
        labels.push(best.box);
      }
    });
    var obstacles = function (b) {
      var cost = 0;
      placed.forEach(function (p) { cost += overlapArea(b, p); });
      labels.forEach(function (l) { cost += overlapArea(b, l); });
      controls.forEach(function (c) { cost += overlapArea(b, c); });
      return cost;
    };
    // 3. Every other symbol at its place if free, else at the nearest free spot around it.
    markers.forEach(function (m, i) {
      var symbol = m.options.cxSymbol;
      var offset = [0, 0];
      if (symbol.rank !== 0) {
        var best = null;
        var candidates = [[0, 0]];
        [1, 1.6, 2.3, 3.1].forEach(function (ring, k) {
          var r = ring * (symbol.size / 2 + 14);
          var steps = 8 + 4 * k;
          for (var a = 0; a < steps; a++) {
            // Start below-left: labels sit to the right of and above their crossings.
            var angle = Math.PI * 0.75 + (2 * Math.PI * a) / steps;
            candidates.push([Math.round(r * Math.cos(angle)), Math.round(r * Math.sin(angle))]);
          }
        });
        for (var c = 0; c < candidates.length; c++) {
          var b = trueBox(i, candidates[c][0], candidates[c][1]);
          var outside = b.x < 0 || b.y < 0 || b.x + b.w > size.x || b.y + b.h > size.y;
          var cost = obstacles(b) + (outside && c > 0 ? 1e6 : 0);
          if (!best || cost < best.cost) best = { cost: cost, offset: candidates[c] };
          if (cost === 0) break;
        }
        offset = best.offset;
      }
      placed.push(trueBox(i, offset[0], offset[1]));
      moveSymbol(m, offset);
    });
    // A leg's "inferred" tag that would sit on a symbol or a label is left out (its dashes say it).
    tags.forEach(function (marker) {
      var tag = marker.getElement();
      var text = tag && tag.querySelector(".cx-leg-tag");
      if (!text || tag.style.display === "none") return;
      text.style.visibility = "";
      var b = elementBox(text, origin);
      if (b.w && obstacles(b) > 0) text.style.visibility = "hidden";
    });
    keyboardOrder(map, markers);
    if (fitNarrow(map, markers)) return;  // moved: laid out again on moveend
    // The legend explains leader lines and leg chips only while the map shows one.
    container.classList.toggle("cx-has-moved", !!container.querySelector(".cx-moved"));
    container.classList.toggle("cx-has-chips", markers.some(function (m) { return m.options.cxSymbol.leg; }));
  }

  // The icon element moves (so what is seen is what is clicked); a leader line points back.
  function moveSymbol(marker, offset) {
    var el = marker.getElement();
    var s = marker.options.cxSymbol.size;
    var dx = offset[0], dy = offset[1];
    el.style.marginLeft = -s / 2 + dx + "px";
    el.style.marginTop = -s / 2 + dy + "px";
    var leader = el.querySelector(".cx-leader");
    if (!dx && !dy) {
      if (leader) leader.parentNode.removeChild(leader);
      el.classList.remove("cx-moved");
    } else {
      if (!leader) {
        leader = document.createElement("span");
        leader.className = "cx-leader";
        leader.setAttribute("aria-hidden", "true");
        el.insertBefore(leader, el.firstChild);
      }
      var length = Math.sqrt(dx * dx + dy * dy);
      leader.style.width = length + "px";
      leader.style.transform = "rotate(" + ((Math.atan2(-dy, -dx) * 180) / Math.PI).toFixed(1) + "deg)";
      el.classList.add("cx-moved");
    }
    var tooltip = marker.getTooltip && marker.getTooltip();
    if (tooltip && !tooltip.options.permanent) tooltip.options.offset = L.point(dx, dy - 10);
  }

  // ---------------------------------------------------------------- narrow maps (phones)
  // The map page's default view is framed for a wide screen; on a map narrower than NARROW_MAP px it
  // cuts crossings of 9 Oct off at the sides. There the first layout fits the view to those crossings,
  // with room above and below for their labels (which then take the top or bottom side), zooming out
  // past the mapped region's floor if need be. Later pans and zooms are the viewer's.
  var NARROW_MAP = 640;
  // A phone is a narrow page, not a narrow map: beside the sidebar on a 1280-px screen the map itself
  // is under 640 px, and keeps its wide framing there.
  function narrowPage() {
    var width = window.innerWidth;
    try {
      width = window.parent.innerWidth || width;
    } catch (e) {
      // a parent on another origin: the map's own width
    }
    return width < NARROW_MAP;
  }
  function fitNarrow(map, markers) {
    if (!map._cxMainMap || map._cxNarrowFitted) return false;
    var size = map.getSize();
    var crossings = markers.filter(function (m) { return m.options.cxSymbol.rank === 0; });
    if (!size.x || !narrowPage() || !crossings.length) return false;
    map._cxNarrowFitted = true;
    var bounds = L.latLngBounds(crossings.map(function (m) { return m.getLatLng(); }));
    var padding = { paddingTopLeft: [28, 64], paddingBottomRight: [28, 64] };
    var floor = map.options.minZoom;
    map.options.minZoom = 0;  // getBoundsZoom clamps to the floor
    var zoom = map.getBoundsZoom(bounds, false, L.point(56, 128));
    map.options.minZoom = floor;
    if (zoom < map.getMinZoom()) {
      map._cxNarrowMin = zoom;
      map.options.minZoom = zoom;
      map.fire("zoomlevelschange");
    }
    map.fitBounds(bounds, L.extend({ animate: false }, padding));
    return true;
  }

  // Tab reaches the symbols before the legs, and the crossings of 9 Oct first.
  function keyboardOrder(map, markers) {
    var pane = map.getPane("markerPane");
    var mapPane = map.getPane("mapPane");
    if (pane && mapPane && mapPane.firstChild !== pane) mapPane.insertBefore(pane, mapPane.firstChild);
    var first = markers.filter(function (m) { return m.options.cxSymbol.rank === 0; }).map(function (m) { return m.getElement(); });
    var inOrder = first.every(function (el, k) { return pane.children[k] === el; });
    if (inOrder) return;
    for (var k = first.length - 1; k >= 0; k--) pane.insertBefore(first[k], pane.firstChild);
  }

  // ---------------------------------------------------------------- large layers
  // Above geo/payload.py's ICON_LIMIT a point layer arrives as parallel arrays ("columns") and is
  // drawn as circle markers on one shared canvas; above AGGREGATE_ABOVE as counts per grid cell.
  // One tooltip per layer builds its content on hover, so a point costs no DOM node.
  var sharedCanvas = null;
  function canvas() {
    if (!sharedCanvas) sharedCanvas = L.canvas({ padding: 0.3, tolerance: 2 });
    return sharedCanvas;
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // A partial date from its code (20231009, 20231000, 20230000) in the page's language (the forms come
  // from geo.payload.map_words; without them, English): geo.payload.code_label.
  function codeLabel(code) {
    var year = Math.floor(code / 10000), month = Math.floor(code / 100) % 100, day = code % 100;
    var fill = function (form) { return form.replace("{y}", String(year)).replace("{d}", String(day)); };
    if (!month) return WORDS ? fill(WORDS.year) : String(year);
    if (!day) return WORDS ? fill(WORDS.months[month - 1]) : MONTHS[month - 1] + " " + year;
    return WORDS ? fill(WORDS.days[month - 1]) : day + " " + MONTHS[month - 1] + " " + year;
  }
  function dateCode(text) {
    var parts = String(text).split("-");
    return Number(parts[0]) * 10000 + (parts[1] ? Number(parts[1]) * 100 : 0) + (parts[2] ? Number(parts[2]) : 0);
  }

  // geo.text.format_dates.
  function formatDates(start, end, precision) {
    if (!start) return t("undated");
    var first = codeLabel(dateCode(start));
    var last = !end || end === start ? first : codeLabel(dateCode(end));
    var text = last === first ? first : (String(start).length === 4 ? first + "\u2013" + last : first + " \u2013 " + last);
    return precision === "approximate" ? t("about {dates}", { dates: text }) : text;
  }

  // geo.text.format_count.
  function formatCount(low, high) {
    if (low === null && high === null) return t("unknown");
    if (high === null) return t("at least {count}", { count: number(low) });
    if (low === null) return t("up to {count}", { count: number(high) });
    if (low === high) return t("about {count}", { count: number(low) });
    return number(low) + "\u2013" + number(high);
  }

  // geo.text.location_label (Python's "{:g}" of the radius in km).
  function locationLabel(precision, radius) {
    var words = WORDS || { precision: {}, precisionOther: "unknown" };
    var label = Object.prototype.hasOwnProperty.call(words.precision, precision) ? words.precision[precision] : words.precisionOther;
    if (radius !== null && radius !== undefined && (precision === "town" || precision === "city" || precision === "region")) {
      return t("{label}, within about {km} km", { label: label, km: String(parseFloat((radius / 1000).toPrecision(6))) });
    }
    return label;
  }

  // The words of a feature of the browser-held document (codes only: geo.clientdata), in the page's
  // language, as geo.payload.feature_properties writes them for the server's payloads.
  function localise(layerName, p) {
    if (p.kind_label !== undefined || p.kind === undefined) return p;
    var words = WORDS || { kinds: {}, confidence: {}, confidenceOther: "Unknown" };
    var has = function (table, key) { return Object.prototype.hasOwnProperty.call(table, key); };
    p.kind_label = has(words.kinds, p.kind) ? words.kinds[p.kind] : p.kind;
    p.confidence_label = has(words.confidence, p.confidence) ? words.confidence[p.confidence] : words.confidenceOther;
    if (p.date_start !== undefined) p.date_label = formatDates(p.date_start, p.date_end, p.date_precision);
    if (layerName !== "routes") p.precision_label = locationLabel(p.location_precision, p.uncertainty_m);
    if (p.count && (layerName === "crossings" || layerName === "detention_centres" || layerName === "events")) {
      p.count_label = formatCount(p.count[0], p.count[1]);
      if (layerName !== "crossings" && p.count_label === t("unknown")) p.count_label = "";
      if (layerName === "crossings" && p.used) p.count_label = t("9 Oct: {count}", { count: p.count_label });
    }
    if (layerName === "crossings") p.label = LANG === "ko" && p.label_ko ? p.label_ko : p.label_en;
    if (layerName === "regular_routes") {
      p.kind_label = t("Regular route (NKDB), not 9 October (schematic)");
      p.date_label = t("Not dated: a usual route over the years, per NKDB");
    }
    if (layerName === "routes") {
      p.kind_label = p.evidence === "reported" ? t("Reported leg, 9 Oct 2023 (schematic)")
        : t("Inferred leg, 9 Oct 2023 (schematic, not stated by any source)");
    }
    return p;
  }

  // What a columnar payload needs decoding once: ids, date codes, approximate flags.
  function unpack(d) {
    if (d._cx) return d._cx;
    var codes = [], code = 0, approximate = new Uint8Array(d.n);
    d.dates.forEach(function (delta) { code += delta; codes.push(code); });
    d.approximate.forEach(function (i) { approximate[i] = 1; });
    d._cx = { ids: d.sep === null ? d.ids : d.n ? d.ids.split(d.sep) : [], codes: codes, approximate: approximate };
    return d._cx;
  }

  // The date label of point i: format_dates() in geo/text.py, rebuilt as geo.mapview.date_label does.
  function dateLabel(d, i) {
    var start = d.ds[i], u = unpack(d);
    if (start === 0) return t("undated");
    var first = codeLabel(u.codes[start]), last = codeLabel(u.codes[start + d.dd[i]]);
    var yearOnly = Math.floor(u.codes[start] / 100) % 100 === 0;
    var text = last === first ? first : (yearOnly ? first + "\u2013" + last : first + " \u2013 " + last);
    return u.approximate[i] ? t("about {dates}", { dates: text }) : text;
  }

  function columnsProps(d, i) {
    var attrs = d.attrs[d.a[i]];
    var p = { id: d.prefix + unpack(d).ids[i], count_label: d.counts[d.c[i]], date_label: dateLabel(d, i) };
    for (var k = 0; k < d.fields.length; k++) p[d.fields[k]] = attrs[k];
    if (p.kind !== undefined) {  // codes (the browser-held document): its words in the page's language
      p.count = p.count_label;
      delete p.count_label;
      delete p.date_start;
      localise(d.layer, p);
      p.date_label = dateLabel(d, i);
      if (p.count_label === undefined) p.count_label = "";
    }
    return p;
  }

  function columnsTooltip(p) {
    var rows = ['<div class="cx-tt-title">' + esc(p.kind_label) + "</div>"];
    if (p.date_label) rows.push('<div class="cx-tt-row">' + esc(p.date_label) + "</div>");
    if (p.count_label) rows.push('<div class="cx-tt-row">' + esc(t("People: {count}", { count: p.count_label })) + "</div>");
    rows.push('<div class="cx-tt-row">' + esc(p.confidence_label) + "</div>");
    if (p.precision_label) rows.push('<div class="cx-tt-row cx-muted">' + esc(t("Location: {place}", { place: p.precision_label })) + "</div>");
    rows.push('<div class="cx-tt-row cx-muted">' + esc(TOUCH ? t("Tap for the name, details and sources") : t("Click for the name, details and sources")) + "</div>");
    var el = document.createElement("div");
    el.innerHTML = rows.join("") + fid(p);
    return el;
  }

  // Fill by confidence, as the icons do: full, half, or hollow with a dashed outline.
  function pointStyle(color, confidence) {
    var hollow = confidence === "inferred" || confidence === "unknown";
    return {
      renderer: canvas(), radius: 5, color: color, weight: 1.5, opacity: 0.95,
      fillColor: hollow ? "#ffffff" : color,
      fillOpacity: confidence === "confirmed" ? 0.9 : confidence === "single-source" ? 0.45 : 0.9,
      dashArray: hollow ? "3 2" : null
    };
  }

  function drawColumns(group, layerName, d) {
    var st = STYLE[d.style] || STYLE[layerName] || STYLE.events;
    var fields = d.fields;
    var iConfidence = fields.indexOf("confidence"), iArea = fields.indexOf("area_precision"), iRadius = fields.indexOf("radius_m");
    var styles = d.attrs.map(function (attrs) { return pointStyle(st.color, attrs[iConfidence]); });
    var area = { renderer: canvas(), color: st.color, weight: 1, dashArray: "4 4", opacity: 0.5, fillColor: st.color, fillOpacity: 0.04, interactive: false };
    var areas = [], points = [];
    var x = d.x0;
    for (var i = 0; i < d.n; i++) {
      x += d.x[i];
      var latlng = L.latLng((d.y0 + d.y[i]) / d.scale, x / d.scale);
      var attrs = d.attrs[d.a[i]];
      if (attrs[iArea] && attrs[iRadius]) areas.push(L.circle(latlng, L.extend({ radius: attrs[iRadius] }, area)));
      var marker = L.circleMarker(latlng, styles[d.a[i]]);
      marker._cxIndex = i;
      points.push(marker);
    }
    // Areas under points; the group's one tooltip is built for the point under the pointer.
    areas.forEach(function (layer) { group.addLayer(layer); });
    points.forEach(function (layer) { group.addLayer(layer); });
    group.bindTooltip(function (layer) {
      return columnsTooltip(columnsProps(d, layer._cxIndex));
    }, { direction: "top", offset: [0, -6], className: "cx-tooltip" });
    return group;
  }

  // Every point of a columnar payload as [lon, lat, properties]: what drawColumns draws (for checks).
  function expandColumns(d) {
    var out = [], x = d.x0;
    for (var i = 0; i < d.n; i++) {
      x += d.x[i];
      out.push([x / d.scale, (d.y0 + d.y[i]) / d.scale, columnsProps(d, i)]);
    }
    return out;
  }

  function number(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // "{count} events" or "{count} features" (a grid payload's noun), in a cell or in view, in the page's language.
  function gridCount(noun, count, inView) {
    var values = { count: number(count) };
    if (inView) return noun === "events" ? t("{count} events in view", values) : t("{count} features in view", values);
    return noun === "events" ? t("{count} events", values) : t("{count} features", values);
  }
  // A note on the map itself while a layer is drawn as counts: the map must not pass counts for points.
  function gridNotice(group, d) {
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "cx-grid-note");
      div.setAttribute("role", "status");
      div.innerHTML = "<strong>" + esc(gridCount(d.noun, d.n, true)) + "</strong>: " +
        esc(t("more than {limit} points, so each {cell}° cell shows how many fall in it. Narrow the filters to see each one.",
          { limit: number(d.limit), cell: String(d.cell) }));
      return div;
    };
    group.on("add", function () { if (group._map) control.addTo(group._map); });
    group.on("remove", function () { control.remove(); });
    if (group._map) control.addTo(group._map);  // drawn after the group was added (the data came later)
  }

  function drawGrid(group, layerName, d) {
    var st = STYLE[d.style] || STYLE[layerName] || STYLE.events;
    var max = 1;
    d.c.forEach(function (c) { if (c > max) max = c; });
    var scale = Math.log(max + 1);
    for (var k = 0; k < d.i.length; k++) {
      var west = d.lon0 + d.i[k] * d.cell, south = d.lat0 + d.j[k] * d.cell;
      var cell = L.rectangle([[south, west], [south + d.cell, west + d.cell]], {
        renderer: canvas(), stroke: false, fillColor: st.color, fillOpacity: 0.12 + 0.78 * Math.log(d.c[k] + 1) / scale
      });
      cell._cxCount = d.c[k];
      group.addLayer(cell);
    }
    group.bindTooltip(function (layer) {
      var el = document.createElement("div");
      el.innerHTML = '<div class="cx-tt-title">' + esc(gridCount(d.noun, layer._cxCount)) + "</div>" +
        '<div class="cx-tt-row cx-muted">' + esc(t("in this {cell}° cell. Narrow the filters to see each one.", { cell: String(d.cell) })) + "</div>";
      return el;
    }, { sticky: true, className: "cx-tooltip" });
    gridNotice(group, d);
    return group;
  }

  function draw(group, layerName, collection) {
    if (collection && collection.format === "columns") return drawColumns(group, layerName, collection);
    if (collection && collection.format === "grid") return drawGrid(group, layerName, collection);
    (collection.features || []).forEach(function (feature) {
      if (!feature.geometry) return;
      if (feature.geometry.type === "LineString") drawLine(group, feature, STYLE[layerName]);
      else drawPoint(group, layerName, feature);
    });
    refreshLabels(group);
    return group;
  }

  // ---------------------------------------------------------------- data held in the browser
  // geo/clientdata.py: every drawable feature of a dataset version in one static file, fetched once
  // (and cached by the browser: its name is its content hash); a filter change sends only the filter,
  // which selectRows applies exactly as geo.filters.apply_filters does.
  var POINT_LAYERS = ["detention_centres", "crossings", "receiving_facilities"];
  var CONTEXT_LAYERS = ["regular_routes"];
  var documents = {};  // url -> {promise, doc}
  var current = null;  // {source, spec}: set by useData before the groups draw
  var drawing = 0;  // groups waiting for their document (bench and tests wait for 0)
  var FORMAT = "crossings-data-3";
  // The integer columns of a document are typed arrays in its binary file (geo.clientdata.BINARY_TYPES,
  // little-endian as every platform a browser runs on): {"bin": type, "at": byte offset, "n": length}.
  var BINARY_TYPES = { u8: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array, u32: Uint32Array, i32: Int32Array };
  function unpackColumns(table, buffer) {
    Object.keys(table).forEach(function (key) {
      var value = table[key];
      if (!value || typeof value !== "object" || !value.bin) return;
      if (!buffer) throw new Error("the binary columns of the map's data are missing");
      table[key] = new BINARY_TYPES[value.bin](buffer, value.at, value.n);
    });
  }

  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
  function civilDays(y, m, d) {
    y -= m <= 2 ? 1 : 0;
    var era = Math.floor(y / 400), yoe = y - era * 400;
    var doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
  }
  // The first or last day a date code covers (20231009, 20231000, 20230000): geo.schema.parse_partial_date.
  function codeDay(code, last) {
    var y = Math.floor(code / 10000), m = Math.floor(code / 100) % 100, d = code % 100;
    if (!last || d) return civilDays(y, m || 1, d || 1);
    if (!m) return civilDays(y, 12, 31);
    return (m === 12 ? civilDays(y + 1, 1, 1) : civilDays(y, m + 1, 1)) - 1;
  }
  // The date spans of a columns payload's points from their date codes, into the first d.n rows of a
  // layer's columns (geo.clientdata sends the layer in the payload's order and leaves these spans out).
  function codeSpans(d, undated, start, end) {
    var table = [], code = 0, first = [], last = [];
    d.dates.forEach(function (delta) { code += delta; table.push(code); });
    for (var t = 1; t < table.length; t++) {
      first[t] = codeDay(table[t], false);
      last[t] = codeDay(table[t], true);
    }
    for (var k = 0; k < d.n; k++) {
      var s = d.ds[k];
      if (!s) undated[k] = 1;
      else {
        start[k] = first[s];
        end[k] = last[s + d.dd[k]];
      }
    }
    return d.n;
  }

  function prepare(doc, buffer) {
    if (doc.format !== FORMAT) throw new Error("the map's data is in another format (" + doc.format + ")");
    Object.keys(doc.layers).forEach(function (name) { unpackColumns(doc.layers[name], buffer); });
    Object.keys(doc.groups).forEach(function (id) {
      if (doc.groups[id].mode === "columns") unpackColumns(doc.groups[id].payload, buffer);
    });
    Object.keys(doc.layers).forEach(function (name) {
      var c = doc.layers[name];
      var n = c.n, undated = new Uint8Array(n), ss = new Float64Array(n), se = new Float64Array(n);
      var first = c.spans ? codeSpans(doc.groups[c.spans].payload, undated, ss, se) : 0;
      for (var i = first; i < n; i++) {  // the other rows' spans are sent (from row `first` on)
        var k = i - first;
        if (c.ss[k] === null) undated[i] = 1;
        else { ss[i] = c.ss[k]; se[i] = c.se[k]; }
      }
      c.undated = undated;
      c.start = ss;
      c.end = se;
    });
    doc._selections = {};
    return doc;
  }

  // The layer row of a group's k-th feature (rows null: the group's features are the layer's first rows).
  function rowOf(g, k) { return g.rows ? g.rows[k] : k; }
  function groupSize(g) { return g.mode === "columns" ? g.payload.n : g.payload.features.length; }

  // The document and its binary columns, fetched at once (source: {url, binary}).
  function loadDocument(source) {
    var entry = documents[source.url];
    if (!entry) {
      entry = documents[source.url] = { doc: null };
      mark("fetch");
      var get = function (url, read) {
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response[read]();
        });
      };
      var binary = source.binary ? get(source.binary, "arrayBuffer") : null;
      entry.promise = get(source.url, "json").then(function (doc) {
        mark("parsed");
        binary = binary || get(new URL(doc.binary, new URL(source.url, window.location.href)).href, "arrayBuffer");
        return binary.then(function (buffer) {
          mark("binary");
          entry.doc = prepare(doc, buffer);
          mark("prepared");
          return entry.doc;
        });
      });
    }
    return entry;
  }

  function codesIn(values, wanted) {
    var set = {};
    wanted.forEach(function (w) { set[w] = true; });
    return values.map(function (v) { return set[v] === true; });
  }

  // geo.filters.apply_filters on the document: a Uint8Array per layer, 1 where the row is shown.
  function selectRows(doc, spec) {
    var key = JSON.stringify(spec);
    if (doc._selections[key]) return doc._selections[key];
    mark("select start");
    var layers = doc.layers, names = Object.keys(layers);
    var attribute = {}, shown = {};
    var kindFilter = spec.kinds && spec.kinds.length;
    names.forEach(function (name) {
      var c = layers[name], n = c.n;
      var confOk = codesIn(c.confs, spec.confidence), kindOk = codesIn(c.kinds, spec.kinds || []);
      var a = new Uint8Array(n), s = new Uint8Array(n);
      for (var i = 0; i < n; i++) {
        var ok = c.conf[i] >= 0 && confOk[c.conf[i]] && (!kindFilter || (c.kind[i] >= 0 && kindOk[c.kind[i]]));
        a[i] = ok ? 1 : 0;
        if (!ok) continue;
        var dated = (spec.from === null || c.end[i] >= spec.from) && (spec.to === null || c.start[i] <= spec.to);
        s[i] = dated || c.undated[i] ? 1 : 0;
      }
      attribute[name] = a;
      shown[name] = s;
    });
    var has = function (set, v) { return Object.prototype.hasOwnProperty.call(set, v); };
    var toSet = function (list) { var set = {}; list.forEach(function (v) { set[v] = true; }); return set; };
    var selected = toSet(spec.crossings || []);
    var anySelected = (spec.crossings || []).length > 0;
    var routes = layers.routes, i;
    if (anySelected) {
      var xs = shown.crossings;
      for (i = 0; i < xs.length; i++) if (xs[i] && !has(selected, layers.crossings.id[i])) xs[i] = 0;
      var rs = shown.routes, endpoints = {};
      for (i = 0; i < rs.length; i++) {
        if (rs[i] && !has(selected, routes.crossing_id[i])) rs[i] = 0;
        if (rs[i]) { endpoints[routes.from_id[i]] = true; endpoints[routes.to_id[i]] = true; }
      }
      ["detention_centres", "receiving_facilities"].forEach(function (name) {
        var s = shown[name], ids = layers[name].id;
        for (var k = 0; k < s.length; k++) if (s[k] && !has(endpoints, ids[k])) s[k] = 0;
      });
      var ev = layers.events, es = shown.events;
      var touches = (ev.cxs || []).map(function (list) { return list.some(function (x) { return has(selected, x); }); });
      for (i = 0; i < es.length; i++) if (es[i] && !(ev.cx && ev.cx[i] >= 0 && touches[ev.cx[i]])) es[i] = 0;
    }
    var available = {};
    POINT_LAYERS.forEach(function (name) {
      var a = attribute[name], ids = layers[name].id;
      for (var k = 0; k < a.length; k++) if (a[k]) available[ids[k]] = true;
    });
    var needed = {};
    var rshown = shown.routes;
    for (i = 0; i < rshown.length; i++) {
      if (rshown[i] && !(has(available, routes.from_id[i]) && has(available, routes.to_id[i]))) rshown[i] = 0;
      if (rshown[i]) { needed[routes.from_id[i]] = true; needed[routes.to_id[i]] = true; }
    }
    POINT_LAYERS.forEach(function (name) {
      var a = attribute[name], s = shown[name], ids = layers[name].id;
      for (var k = 0; k < s.length; k++) if (!s[k] && a[k] && has(needed, ids[k])) s[k] = 1;
    });
    CONTEXT_LAYERS.forEach(function (name) {
      if (!shown[name]) return;
      var a = attribute[name], s = shown[name];
      for (var k = 0; k < s.length; k++) s[k] = a[k] && !anySelected ? 1 : 0;
    });
    doc._selections = {};  // one filter state at a time
    doc._selections[key] = shown;
    mark("select end");
    return shown;
  }

  // Counts per grid cell of a columns payload's points `keep` (indices): geo.payload.grid_payload of the
  // same points, on the cells of d.grid (geo.payload.grid_origin). Each point's cell is worked out once.
  function gridCounts(d, keep) {
    var g = d.grid;
    if (!d._cells) {
      var col = new Int32Array(d.n), line = new Int32Array(d.n), x = d.x0;
      for (var i = 0; i < d.n; i++) {
        x += d.x[i];
        col[i] = Math.floor((x - g.x0) / g.step);
        line[i] = Math.floor((d.y0 + d.y[i] - g.y0) / g.step);
      }
      d._cells = { col: col, line: line };
    }
    var cells = d._cells, c0 = Infinity, r0 = Infinity, c1 = -Infinity, r1 = -Infinity, k, p;
    for (k = 0; k < keep.length; k++) {
      p = keep[k];
      if (cells.col[p] < c0) c0 = cells.col[p];
      if (cells.col[p] > c1) c1 = cells.col[p];
      if (cells.line[p] < r0) r0 = cells.line[p];
      if (cells.line[p] > r1) r1 = cells.line[p];
    }
    var width = keep.length ? c1 - c0 + 1 : 1, counts = new Uint32Array(keep.length ? width * (r1 - r0 + 1) : 0);
    for (k = 0; k < keep.length; k++) {
      p = keep[k];
      counts[(cells.line[p] - r0) * width + (cells.col[p] - c0)] += 1;
    }
    var ci = [], cj = [], cc = [];
    for (k = 0; k < counts.length; k++) {
      if (counts[k]) { ci.push(k % width); cj.push(Math.floor(k / width)); cc.push(counts[k]); }
    }
    if (!keep.length) { c0 = 0; r0 = 0; }
    var round6 = function (v) { return Math.round(v * 1e6) / 1e6; };
    return {
      format: "grid", layer: d.layer, style: d.style, n: keep.length, cell: g.cell, noun: g.noun, limit: g.limit,
      lon0: round6(g.lon0 + c0 * g.cell), lat0: round6(g.lat0 + r0 * g.cell), c0: c0, r0: r0, i: ci, j: cj, c: cc
    };
  }
  function gridded(g, keep) {
    return g.mode === "columns" && !!g.payload.grid && keep.length > g.payload.grid.limit;
  }

  // The ids each group draws under the filter (tests compare them with the server's selection).
  function selectedIds(doc, spec) {
    var shown = selectRows(doc, spec), out = {};
    Object.keys(doc.groups).forEach(function (groupId) {
      var g = doc.groups[groupId], mask = shown[g.layer], ids = [];
      if (g.mode === "columns") {
        var u = unpack(g.payload);
        for (var k = 0; k < g.payload.n; k++) if (mask[rowOf(g, k)]) ids.push(g.payload.prefix + u.ids[k]);
      } else {
        g.payload.features.forEach(function (f, k) { if (mask[rowOf(g, k)]) ids.push(f.properties.id); });
      }
      out[groupId] = ids;
    });
    return out;
  }

  // geo.payload.crossing_label_side over the crossings in view.
  function labelSides(features) {
    var points = features.map(function (f) { return [f.properties.id, f.geometry.coordinates[0], f.geometry.coordinates[1]]; });
    features.forEach(function (f, k) {
      var x = points[k][1], y = points[k][2], east = false, west = false;
      points.forEach(function (o) {
        if (o[0] === points[k][0]) return;
        if (o[1] - x > 0 && o[1] - x < 1.0 && Math.abs(o[2] - y) < 0.5) east = true;
        if (x - o[1] > 0 && x - o[1] < 1.0 && Math.abs(o[2] - y) < 0.5) west = true;
      });
      f.properties.label_side = east ? "left" : west ? "top" : "right";
    });
  }

  function useData(group, source, spec) {
    mark("useData");
    current = { source: source, spec: spec };
    loadDocument(source);
    return group;
  }

  function dataError(group, message) {
    var show = function () {
      var map = group._map;
      if (!map || map._cxDataError) return;
      map._cxDataError = true;
      var notice = L.control({ position: "bottomleft" });
      notice.onAdd = function () {
        var div = L.DomUtil.create("div", "cx-basemap-error");
        div.setAttribute("role", "alert");
        div.textContent = message;
        return div;
      };
      notice.addTo(map);
    };
    if (group._map) show();
    else group.once("add", show);
  }

  // A group's counts per grid cell under the filter, or null when it draws its points (for checks).
  function selectedGrid(doc, spec, groupId) {
    var g = doc.groups[groupId], mask = selectRows(doc, spec)[g.layer], picked = [];
    for (var k = 0, size = groupSize(g); k < size; k++) if (mask[rowOf(g, k)]) picked.push(k);
    var keep = Int32Array.from(picked);
    return gridded(g, keep) ? gridCounts(g.payload, keep) : null;
  }

  // Timing marks for bench/ (only when it asked for them by setting window.__cxMarks to a list).
  function mark(what) { if (window.__cxMarks) window.__cxMarks.push([what, Math.round(performance.now())]); }
  function drawGroup(group, groupId, doc, spec) {
    mark("draw " + groupId);
    var g = doc.groups[groupId];
    if (!g) return group;
    var mask = selectRows(doc, spec)[g.layer], picked = [];
    for (var k = 0, size = groupSize(g); k < size; k++) if (mask[rowOf(g, k)]) picked.push(k);
    var keep = Int32Array.from(picked);
    var kind = g.mode !== "columns" ? "features" : gridded(g, keep) ? "grid" : "points";
    var before = takeOver(group, groupId, doc, keep, kind);
    if (!before) {
      if (kind === "grid") drawGrid(group, g.layer, gridCounts(g.payload, keep));
      else if (kind === "points") group.addLayer(new PointsLayer(g.payload, g.layer, keep));
      else {
        var features = picked.map(function (k) { return g.payload.features[k]; });
        features.forEach(function (f) { localise(g.layer, f.properties); });
        if (groupId === "crossings") labelSides(features);
        draw(group, g.layer, { type: "FeatureCollection", features: features });
      }
    }
    leaveLate(group, { groupId: groupId, doc: doc, keep: keep, kind: kind });
    return group;
  }

  // ---------------------------------------------------------------- what a filter change leaves alone
  // streamlit-folium takes every data group off the map and then runs the next render's groups, in one
  // task. A data group's layers stay on the map until that task ends, so that the group of the same id
  // in the next render, if it draws the same rows of the same document, takes them over instead of
  // drawing them again (no elements rebuilt, no symbol layout, no repaint); the canvas points are taken
  // over whatever their rows, and repainted only when those changed.
  var leaving = [];
  function leaveLate(group, drew) {
    group._cxDrew = drew;
    group.onRemove = function (map) {
      leaving.push({ group: group, map: map, taken: false });
      if (leaving.length === 1) queueMicrotask(leave);
    };
  }
  function leave() {
    var gone = leaving;
    leaving = [];
    gone.forEach(function (entry) {
      if (!entry.taken && !entry.group._map) L.FeatureGroup.prototype.onRemove.call(entry.group, entry.map);
    });
  }
  function sameRows(a, b) {
    if (a.length !== b.length) return false;
    for (var k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
    return true;
  }
  // Moves the layers of the leaving group that drew groupId into `group` when they show `keep` (or can be
  // repainted for it); true if it did. A grid is drawn again (its notice goes with the group it was drawn in).
  function takeOver(group, groupId, doc, keep, kind) {
    if (kind === "grid") return false;
    for (var i = leaving.length - 1; i >= 0; i--) {
      var entry = leaving[i], drew = entry.group._cxDrew;
      if (entry.taken || entry.group._map || drew.groupId !== groupId || drew.doc !== doc) continue;
      if (drew.kind !== kind) return false;
      if (kind !== "points" && !sameRows(drew.keep, keep)) return false;
      entry.taken = true;
      entry.group.eachLayer(function (layer) {
        entry.group.removeLayer(layer);  // (the group is off the map: the layer stays on it)
        group.addLayer(layer);
        if (layer instanceof PointsLayer) layer.setKeep(keep);
      });
      return true;
    }
    return false;
  }

  // Draws this group's part of the current filter state, now if the document is here, else when it comes.
  function drawSelection(group, groupId) {
    var state = current;
    if (!state) return group;
    var entry = loadDocument(state.source);
    if (entry.doc) return drawGroup(group, groupId, entry.doc, state.spec);
    drawing += 1;
    entry.promise.then(function (doc) {
      drawing -= 1;
      drawGroup(group, groupId, doc, state.spec);
    }, function (error) {
      drawing -= 1;
      dataError(group, t("The map's data could not be loaded ({error}). Reload the page.", { error: String(error && error.message) }));
      if (window.console) console.error("Crossings data:", error);
    });
    return group;
  }

  // ---------------------------------------------------------------- canvas points from typed arrays
  // A point layer above ICON_LIMIT drawn in one pass on a canvas of its own: no object per point, so
  // a filter change redraws 100,000 points in milliseconds. Hover shows the point's tooltip; a click
  // goes to its group as a click on a marker with that tooltip would (streamlit-folium reads it).
  var WORLD_M = 40075016.686;
  function decodePoints(d) {
    if (d._pts) return d._pts;
    var n = d.n, mx = new Float64Array(n), my = new Float64Array(n), lat = new Float64Array(n), lon = new Float64Array(n);
    var x = d.x0;
    for (var i = 0; i < n; i++) {
      x += d.x[i];
      lon[i] = x / d.scale;
      lat[i] = (d.y0 + d.y[i]) / d.scale;
      var phi = Math.max(Math.min(lat[i], 85.0511287798), -85.0511287798) * Math.PI / 180;
      mx[i] = lon[i] / 360 + 0.5;
      my[i] = 0.5 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / (2 * Math.PI);
    }
    d._pts = { mx: mx, my: my, lat: lat, lon: lon };
    return d._pts;
  }

  // ---------------------------------------------------------------- a painter of coverage masks
  // Drawing 100,000 arcs on a canvas costs seconds of rasterising (one path is filled as a union of
  // every circle, in software without a GPU); writing pre-computed coverage "stamps" into byte masks
  // and composing them once costs tens of milliseconds. The masks are unions (the maximum coverage
  // where symbols overlap), as a path's fill is, so overlapping half-filled points do not add up.
  var AREA_STAMP_MAX = 160;  // device pixels: larger uncertainty areas are drawn as paths
  var POINT_STYLE_ORDER = ["hollow", "single-source", "confirmed"];  // drawn in this order (confirmed on top)
  function styleName(confidence) {
    return confidence === "confirmed" ? "confirmed" : confidence === "single-source" ? "single-source" : "hollow";
  }
  var stamps = {};
  // A stamp: rows of full coverage as runs (filled natively) and the other covered pixels one by one
  // (for stamps cut by the canvas's edge); every covered pixel as (row, column, coverage) for the others.
  function makeStamp(half, coverage) {
    var runs = [], px = [], cells = [];
    for (var j = -half; j <= half; j++) {
      var runStart = null;
      for (var i = -half; i <= half + 1; i++) {
        var v = i <= half ? coverage(i, j) : 0;
        if (v > 0 && i <= half) cells.push(j, i, v);
        if (v >= 255) { if (runStart === null) runStart = i; continue; }
        if (runStart !== null) { runs.push(j, runStart, i); runStart = null; }
        if (v > 0) px.push(j, i, v);
      }
    }
    return { half: half, runs: Int16Array.from(runs), px: Int16Array.from(px), cells: Int16Array.from(cells), stride: 0, full: null, part: null, value: null };
  }
  // The stamp's pixels as offsets in a mask of the given width: full coverage apart from the rest.
  function flatten(st, width) {
    if (st.stride === width) return st;
    var c = st.cells, full = [], part = [], value = [];
    for (var k = 0; k < c.length; k += 3) {
      if (c[k + 2] >= 255) full.push(c[k] * width + c[k + 1]);
      else { part.push(c[k] * width + c[k + 1]); value.push(c[k + 2]); }
    }
    st.full = Int32Array.from(full);
    st.part = Int32Array.from(part);
    st.value = Uint8Array.from(value);
    st.stride = width;
    return st;
  }
  // A disc of radius r, edges antialiased.
  function discStamp(r) {
    var key = "d" + r;
    if (!stamps[key]) {
      stamps[key] = makeStamp(Math.ceil(r) + 1, function (i, j) {
        return Math.round(255 * Math.max(0, Math.min(1, r + 0.5 - Math.sqrt(i * i + j * j))));
      });
    }
    return stamps[key];
  }
  // A ring of radius r and the given line width; dashed along its length when dash = [on, off].
  function ringStamp(r, width, dash) {
    var key = "r" + r + "," + width + "," + (dash ? dash.join("/") : "");
    if (!stamps[key]) {
      stamps[key] = makeStamp(Math.ceil(r + width / 2) + 1, function (i, j) {
        var a = Math.max(0, Math.min(1, width / 2 + 0.5 - Math.abs(Math.sqrt(i * i + j * j) - r)));
        if (a && dash && ((Math.atan2(j, i) + Math.PI) * r) % (dash[0] + dash[1]) >= dash[0]) a = 0;
        return Math.round(255 * a);
      });
    }
    return stamps[key];
  }
  // Byte buffers kept between paints (a redraw allocates none of its own): a paint runs to its end
  // before the next one starts, so one set serves every painter.
  var buffers = {};
  function zeroed(name, length) {
    var b = buffers[name];
    if (!b || b.length !== length) b = buffers[name] = new Uint8Array(length);
    else b.fill(0);
    return b;
  }
  function Painter(width, height) {
    this.w = width;
    this.h = height;
    this.layers = [];
  }
  Painter.prototype.layer = function (color, opacity) {
    var layer = { color: color, opacity: opacity, mask: null, index: this.layers.length };
    this.layers.push(layer);
    return layer;
  };
  // The stamp st centred on (cx, cy) written into the layer's mask, each pixel keeping its larger coverage.
  Painter.prototype.stamp = function (layer, st, cx, cy) {
    var w = this.w, h = this.h, x = Math.round(cx), y = Math.round(cy), half = st.half;
    if (x - half < 0 || y - half < 0 || x + half >= w || y + half >= h) {
      this.stampClipped(layer, st, x, y);
      return;
    }
    var mask = layer.mask || (layer.mask = zeroed("mask" + layer.index, w * h));
    flatten(st, w);
    var base = y * w + x, full = st.full, part = st.part, value = st.value, k, b, v;
    for (k = 0; k < full.length; k++) mask[base + full[k]] = 255;
    for (k = 0; k < part.length; k++) {
      b = base + part[k];
      v = value[k];
      if (v > mask[b]) mask[b] = v;
    }
  };
  // The same for a stamp the canvas's edge cuts (and, in tests, for any stamp).
  Painter.prototype.stampClipped = function (layer, st, x, y) {
    var w = this.w, h = this.h, half = st.half;
    if (x - half >= w || y - half >= h || x + half < 0 || y + half < 0) return;
    var mask = layer.mask || (layer.mask = zeroed("mask" + layer.index, w * h));
    var runs = st.runs, px = st.px, k, row, a, b;
    for (k = 0; k < runs.length; k += 3) {
      row = y + runs[k];
      if (row < 0 || row >= h) continue;
      a = Math.max(0, x + runs[k + 1]);
      b = Math.min(w, x + runs[k + 2]);
      if (a < b) mask.fill(255, row * w + a, row * w + b);
    }
    for (k = 0; k < px.length; k += 3) {
      row = y + px[k];
      a = x + px[k + 1];
      if (row < 0 || row >= h || a < 0 || a >= w) continue;
      b = row * w + a;
      if (px[k + 2] > mask[b]) mask[b] = px[k + 2];
    }
  };
  // Every layer composed over the ones before it (premultiplied source-over, in single precision),
  // pixel by pixel; the image for the canvas (RGBA, not premultiplied).
  Painter.prototype.compose = function () {
    var n = this.w * this.h, used = this.layers.filter(function (l) { return l.mask; }), count = used.length;
    if (!count) return null;
    var masks = used.map(function (l) { return l.mask; });
    var cr = new Float64Array(count), cg = new Float64Array(count), cb = new Float64Array(count), k = new Float64Array(count);
    used.forEach(function (layer, j) {
      var c = parseInt(layer.color.slice(1), 16);
      cr[j] = (c >> 16) & 255;
      cg[j] = (c >> 8) & 255;
      cb[j] = c & 255;
      k[j] = layer.opacity / 255;
    });
    var image = buffers.image;
    if (!image || image.width !== this.w || image.height !== this.h) image = buffers.image = new ImageData(this.w, this.h);
    var out = image.data, fround = Math.fround;
    for (var p = 0, q = 0; p < n; p++, q += 4) {
      var r = 0, g = 0, b = 0, a = 0;
      for (var j = 0; j < count; j++) {
        var m = masks[j][p];
        if (!m) continue;
        var sa = m * k[j], keep = 1 - sa;
        r = fround(cr[j] * sa + r * keep);
        g = fround(cg[j] * sa + g * keep);
        b = fround(cb[j] * sa + b * keep);
        a = fround(sa + a * keep);
      }
      if (!a) {
        out[q] = out[q + 1] = out[q + 2] = out[q + 3] = 0;
        continue;
      }
      out[q] = r / a;
      out[q + 1] = g / a;
      out[q + 2] = b / a;
      out[q + 3] = a * 255;
    }
    return image;
  };
  // The composed layers on the canvas: put there when nothing else is drawn on it, else drawn over
  // what is (putImageData would replace the paths below).
  Painter.prototype.drawOn = function (ctx, alone) {
    var image = this.compose();
    if (!image) return;
    mark("composed");
    if (alone) {
      ctx.putImageData(image, 0, 0);
      return;
    }
    var layerCanvas = document.createElement("canvas");
    layerCanvas.width = this.w;
    layerCanvas.height = this.h;
    layerCanvas.getContext("2d").putImageData(image, 0, 0);
    ctx.drawImage(layerCanvas, 0, 0);
  };

  // What the painter reads of each point, once per payload: its style (POINT_STYLE_ORDER), the radius of
  // its uncertainty area in metres (0: none drawn) and the cosine of its latitude.
  function pointStyles(d) {
    if (d._styles) return d._styles;
    var fields = d.fields, iConf = fields.indexOf("confidence"), iArea = fields.indexOf("area_precision"), iRadius = fields.indexOf("radius_m");
    var styleOf = d.attrs.map(function (attrs) { return POINT_STYLE_ORDER.indexOf(styleName(attrs[iConf])); });
    var areaOf = d.attrs.map(function (attrs) { return attrs[iArea] && attrs[iRadius] ? attrs[iRadius] : 0; });
    var n = d.n, style = new Uint8Array(n), area = new Float64Array(n), cos = new Float64Array(n), lat = decodePoints(d).lat;
    for (var i = 0; i < n; i++) {
      style[i] = styleOf[d.a[i]];
      area[i] = areaOf[d.a[i]];
      if (area[i]) cos[i] = Math.cos(lat[i] * Math.PI / 180);
    }
    d._styles = { style: style, area: area, cos: cos };
    return d._styles;
  }

  var PointsLayer = L.Layer.extend({
    initialize: function (d, layerName, keep) {
      this._d = d;
      this._keep = keep;
      this._st = STYLE[d.style] || STYLE[layerName] || STYLE.events;
      this._hit = -1;
    },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "cx-points leaflet-zoom-hide");
      this._canvas.style.position = "absolute";
      this._canvas.style.pointerEvents = "none";
      map.getPane("overlayPane").appendChild(this._canvas);
      map.on("moveend zoomend resize viewreset", this._redraw, this);
      map.on("mousemove", this._move, this);
      map.on("mouseout", this._out, this);
      map.on("click", this._click, this);
      this._redraw();
    },
    // Other rows of the same points: repainted when they differ.
    setKeep: function (keep) {
      if (sameRows(this._keep, keep)) return;
      this._keep = keep;
      this._out();
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize viewreset", this._redraw, this);
      map.off("mousemove", this._move, this);
      map.off("mouseout", this._out, this);
      map.off("click", this._click, this);
      this._out();
    },
    _redraw: function () {
      var map = this._map;
      if (!map) return;
      mark("redraw start");
      var size = map.getSize(), ratio = window.devicePixelRatio || 1, canvas = this._canvas;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      var W = Math.max(1, Math.round(size.x * ratio)), H = Math.max(1, Math.round(size.y * ratio));
      var sized = canvas.width === W && canvas.height === H;
      if (!sized) {
        canvas.width = W;
        canvas.height = H;
      }
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      var d = this._d, pts = decodePoints(d), styles = pointStyles(d), keep = this._keep, zoom = map.getZoom();
      var world = map.options.crs.scale(zoom);
      var origin = map.getPixelOrigin().subtract(map._getMapPanePos());
      var n = keep.length, sx = new Float32Array(n), sy = new Float32Array(n);
      var pad = 8, bigAreas = [];
      var color = this._st.color;
      // Coverage masks (one byte a device pixel): the uncertainty areas, then each confidence style's
      // fill and outline; composed in that order as pointStyle() says.
      var painter = new Painter(W, H);
      var areaFill = painter.layer(color, 0.04), areaRing = painter.layer(color, 0.5);
      var R = 5 * ratio, disc = discStamp(R), fills = [], rings = [], outlines = [];
      POINT_STYLE_ORDER.forEach(function (name) {
        var style = pointStyle(color, name === "hollow" ? "inferred" : name);
        fills.push(painter.layer(style.fillColor, style.fillOpacity));
        rings.push(painter.layer(style.color, style.opacity));
        var dash = style.dashArray ? style.dashArray.split(" ").map(function (v) { return Number(v) * ratio; }) : null;
        outlines.push(ringStamp(R, 1.5 * ratio, dash));
      });
      // Many areas share a centre pixel and a radius (a town, a city), many points a pixel and a style:
      // each is stamped once.
      var areasDone = new Set(), areaStamps = [];
      var stride = W + 2 * pad + 1, pointsDone = zeroed("points", stride * (H + 2 * pad + 1) * POINT_STYLE_ORDER.length);
      var styleLayers = stride * (H + 2 * pad + 1);
      var mx = pts.mx, my = pts.my, style = styles.style, area = styles.area, cos = styles.cos;
      var ox = origin.x, oy = origin.y, right = size.x, bottom = size.y;
      for (var k = 0; k < n; k++) {
        var i = keep[k];
        var x = mx[i] * world - ox, y = my[i] * world - oy;
        sx[k] = x;
        sy[k] = y;
        if (area[i]) {
          var r = area[i] / (WORLD_M * cos[i] / world);
          if (x + r >= 0 && y + r >= 0 && x - r <= right && y - r <= bottom && r >= 1) {
            if (r * ratio > AREA_STAMP_MAX) bigAreas.push([x, y, r]);
            else {
              var rr = Math.round(r * ratio), ax = Math.round(x * ratio), ay = Math.round(y * ratio);
              var areaKey = ax >= 0 && ay >= 0 && ax < W && ay < H ? (ay * W + ax) * 256 + rr : "o" + ax + "," + ay + "," + rr;
              if (!areasDone.has(areaKey)) {
                areasDone.add(areaKey);
                var pair = areaStamps[rr] || (areaStamps[rr] = [discStamp(rr), ringStamp(rr, ratio, [4 * ratio, 4 * ratio])]);
                painter.stamp(areaFill, pair[0], ax, ay);
                painter.stamp(areaRing, pair[1], ax, ay);
              }
            }
          }
        }
        if (x < -pad || y < -pad || x > right + pad || y > bottom + pad) continue;
        var s = style[i], at = s * styleLayers + (Math.round(y * ratio) + pad) * stride + Math.round(x * ratio) + pad;
        if (pointsDone[at]) continue;  // the same symbol on the same pixel: drawn already
        pointsDone[at] = 1;
        painter.stamp(fills[s], disc, x * ratio, y * ratio);
        painter.stamp(rings[s], outlines[s], x * ratio, y * ratio);
      }
      this._sx = sx;
      this._sy = sy;
      mark("stamped");
      var ctx = canvas.getContext("2d");
      if (sized) ctx.clearRect(0, 0, W, H);
      if (bigAreas.length) {  // a few areas larger than a stamp (close zooms): drawn as paths, under the rest
        var areas = new Path2D();
        bigAreas.forEach(function (a) { areas.moveTo((a[0] + a[2]) * ratio, a[1] * ratio); areas.arc(a[0] * ratio, a[1] * ratio, a[2] * ratio, 0, 2 * Math.PI); });
        ctx.setLineDash([4 * ratio, 4 * ratio]);
        ctx.fillStyle = color;
        ctx.globalAlpha = 0.04;
        ctx.fill(areas);
        ctx.globalAlpha = 0.5;
        ctx.lineWidth = ratio;
        ctx.strokeStyle = color;
        ctx.stroke(areas);
        ctx.globalAlpha = 1;
        ctx.setLineDash([]);
      }
      painter.drawOn(ctx, !bigAreas.length);
      mark("redraw end");
    },
    // The point under the pointer (the last drawn on top wins), or -1.
    _find: function (point) {
      var best = -1, bestD = 49, sx = this._sx, sy = this._sy;
      if (!sx) return -1;
      for (var k = sx.length - 1; k >= 0; k--) {
        var dx = sx[k] - point.x, dy = sy[k] - point.y, dd = dx * dx + dy * dy;
        if (dd < bestD) { bestD = dd; best = k; }
      }
      return best;
    },
    _latlng: function (k) {
      var pts = decodePoints(this._d), i = this._keep[k];
      return L.latLng(pts.lat[i], pts.lon[i]);
    },
    _move: function (e) {
      var k = this._find(e.containerPoint);
      if (k === this._hit) return;
      this._out();
      if (k < 0) return;
      this._hit = k;
      this._map.getContainer().classList.add("cx-points-hover");
      this._tooltip = L.tooltip({ direction: "top", offset: [0, -6], className: "cx-tooltip" })
        .setLatLng(this._latlng(k))
        .setContent(columnsTooltip(columnsProps(this._d, this._keep[k])))
        .addTo(this._map);
      keepTooltipInside(this._tooltip);
    },
    _out: function () {
      this._hit = -1;
      if (this._map) this._map.getContainer().classList.remove("cx-points-hover");
      if (this._tooltip) { this._tooltip.remove(); this._tooltip = null; }
    },
    _click: function (e) {
      var k = this._find(e.containerPoint);
      if (k < 0) return;
      var html = columnsTooltip(columnsProps(this._d, this._keep[k])).innerHTML;
      var tooltip = { _content: html, getContent: function () { return html; } };
      var target = { _tooltip: tooltip, getTooltip: function () { return tooltip; } };
      this.fire("click", { latlng: this._latlng(k), sourceTarget: target, originalEvent: e.originalEvent }, true);
    }
  });

  // ---------------------------------------------------------------- offline basemap
  var BASE = {
    // Sea, China and North Korea far enough apart to tell on a washed-out projector (1.46:1 and 1.3:1).
    sea: "#b7d2ea", land: "#f6f4ee", landCN: "#faf7f0", landKP: "#e2dac5", province: "#b9b3a6",
    border: "#7a2e2e", river: "#5b8fc7", lake: "#b9d3ec"
  };

  // The basemap has a pane of its own under the overlay pane, so that data drawn on a canvas
  // (large layers) lies above it: Leaflet stacks a canvas under SVG within one pane.
  var BASEMAP_PANE = "cxBasemapPane";
  var PaneSVG = L.SVG.extend({
    onAdd: function () {
      if (!this._map.getPane(BASEMAP_PANE)) this._map.createPane(BASEMAP_PANE).style.zIndex = 350;
      L.SVG.prototype.onAdd.call(this);
    }
  });

  // geo.basemap.basemap_document sends coordinates as integers (x data.scale), each line or ring as
  // differences from the point before; plain GeoJSON (no scale) passes through unchanged.
  var DEPTH = { Point: 0, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 };
  function dequantise(q, depth, scale) {
    if (depth === 0) return [q[0] / scale, q[1] / scale];
    if (depth > 1) return q.map(function (part) { return dequantise(part, depth - 1, scale); });
    var out = [], x = 0, y = 0;
    for (var i = 0; i < q.length; i += 2) {
      x += q[i];
      y += q[i + 1];
      out.push([x / scale, y / scale]);
    }
    return out;
  }

  function decodeBasemap(data) {
    if (!data.scale) return data;
    Object.keys(data).forEach(function (name) {
      var layer = data[name];
      if (!layer || layer.type !== "FeatureCollection") return;
      layer.features.forEach(function (f) {
        var g = f.geometry;
        if (g && g.q) {
          g.coordinates = dequantise(g.q, DEPTH[g.type], data.scale);
          delete g.q;
        }
      });
    });
    delete data.scale;
    return data;
  }

  // In a frame the page made shorter than the map (the map page fits a 720-pixel screen), the map
  // takes the frame's height rather than running out of it.
  function fillFrame(map) {
    if (map._cxFrame || window.parent === window) return;
    map._cxFrame = true;
    var el = map.getContainer();
    var natural = el.offsetHeight;
    var frame = null;
    try {
      frame = window.frameElement && window.frameElement.closest(".st-key-main-map") ? window.frameElement : null;
    } catch (e) {
      frame = null;  // a parent on another origin
    }
    // The map page's frame ends above the fold, whatever the text above it takes (at least 420 px).
    var fitFrame = function () {
      var top = frame.getBoundingClientRect().top + window.parent.scrollY;
      var wanted = Math.max(420, Math.min(natural, Math.floor(window.parent.innerHeight - top - 8)));
      // A phone's map is about as tall as the mapped region is at the width it fits (fitNarrow):
      // taller, it would show empty "not mapped" bands and push the page's text further down.
      if (narrowPage()) wanted = Math.min(wanted, Math.max(420, Math.round(frame.offsetWidth * 1.3)));
      if (Math.abs(frame.offsetHeight - wanted) > 1) frame.style.height = wanted + "px";
    };
    if (frame) {
      map._cxMainMap = true;
      fitFrame();
      window.parent.addEventListener("resize", fitFrame);
    }
    var fit = function () {
      if (frame) fitFrame();
      // Less what a replay docked under the map on a phone takes (replay.js dockNarrow).
      var below = map._cxBelow ? map._cxBelow.offsetHeight : 0;
      var height = Math.max(240, Math.min(natural, window.innerHeight) - below);
      if (height > 0 && el.offsetHeight !== height) {
        el.style.height = height + "px";
        map.invalidateSize({ animate: false });  // about the same centre
      }
    };
    fit();
    window.addEventListener("resize", fit);
    // The frame can widen with no resize event (the app page's scrollbar goes once it settles): Leaflet
    // kept the narrower size and the "not mapped" veil showed as a band at the right edge. The view
    // keeps its zoom and its top-left corner; keepOnRegion then holds it inside the region. A pan still
    // moving (Leaflet bringing the first view inside its bounds) ends first: stopped half-way, it left
    // the default view 1.4 degrees west of where it belongs.
    if (window.ResizeObserver) {
      var remeasure = function () {
        if (map._panAnim && map._panAnim._inProgress) {
          map.once("moveend", remeasure);
          return;
        }
        if (el.offsetWidth && map.getSize().x !== el.offsetWidth) map.invalidateSize({ pan: false });
      };
      var width = el.offsetWidth;
      new ResizeObserver(function () {
        if (!el.offsetWidth || el.offsetWidth === width) return;
        width = el.offsetWidth;
        remeasure();
      }).observe(el);
    }
  }

  // The view never leaves the mapped region: at least the zoom at which the region fills the map,
  // and panning held inside it (the "not mapped" veil stays at the edges, out of the default view).
  function keepOnRegion(map, mapped) {
    if (map._cxRegion) return;
    map._cxRegion = mapped;
    var floor = map.getMinZoom();
    var fit = function () {
      var size = map.getSize();
      if (!size.x || !size.y) return;
      // The presenter fits each scene to its features and may need to zoom out further.
      var min = map._cxFitsScenes ? Math.min(floor, 4) : Math.max(floor, map.getBoundsZoom(mapped, true));
      if (map._cxNarrowMin !== undefined) min = Math.min(min, map._cxNarrowMin);  // fitNarrow
      // Moved into place at once (setMinZoom and setMaxBounds would animate the first view).
      map.options.minZoom = min;
      // (The presenter puts a scene in the part of the map its caption bar and legend leave free,
      // which can take the centre past the region's edge.)
      var limit = map._cxFitsScenes ? mapped.pad(1) : mapped;
      map.options.maxBounds = limit;
      map.options.maxBoundsViscosity = 1;
      map.setView(map.getCenter(), Math.max(map.getZoom(), min), { animate: false });
      map.setMaxBounds(limit);
      map.fire("zoomlevelschange");
    };
    fit();
    map.on("resize", fit);
  }

  // `data` is the basemap document itself (the offline briefing) or {url, region}: the app serves
  // the document as a static file, so that it is not sent again with every filter change.
  function basemap(data, attribution) {
    var group = L.layerGroup([], { attribution: attribution });
    var region = data.region || [119.5, 38.0, 131.5, 44.5];
    var mapped = L.latLngBounds([[region[1], region[0]], [region[3], region[2]]]);
    var drawTowns = null;
    group.on("add", function () {
      var map = group._map;
      if (!map) return;
      allowZoom();
      fillFrame(map);
      keepOnRegion(map, mapped);
      if (drawTowns) drawTowns(map);
      if (!group._cxOnZoom) {
        group._cxOnZoom = true;
        map.on("moveend", function () { if (map.hasLayer(group) && drawTowns) drawTowns(map); });
      }
    });
    var fill = function (doc) {
      drawTowns = drawBasemap(group, decodeBasemap(doc), region);
      if (group._map) drawTowns(group._map);
    };
    if (!data.url) {
      fill(data);
      return group;
    }
    fetch(data.url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(fill)
      .catch(function (error) {
        var notice = L.control({ position: "bottomleft" });
        notice.onAdd = function () {
          var div = L.DomUtil.create("div", "cx-basemap-error");
          div.setAttribute("role", "alert");
          div.textContent = t("The offline basemap could not be loaded ({error}). Reload the page.", { error: error && error.message });
          return div;
        };
        if (group._map) notice.addTo(group._map);
        else group.once("add", function () { notice.addTo(group._map); });
        if (window.console) console.error("Crossings basemap:", error);
      });
    return group;
  }

  // Draws the basemap document into the group; returns the function that places the town labels.
  function drawBasemap(group, data, region) {
    var r = new PaneSVG({ pane: BASEMAP_PANE });
    var sea = L.rectangle([[region[1], region[0]], [region[3], region[2]]], { stroke: false, fillColor: BASE.sea, fillOpacity: 1, interactive: false, renderer: r });
    group.addLayer(sea);
    L.geoJSON(data.countries, {
      interactive: false, renderer: r,
      style: function (f) {
        var code = f.properties.iso_a3;
        return { stroke: true, color: "#a79f8f", weight: 0.8, fillColor: code === "PRK" ? BASE.landKP : BASE.landCN, fillOpacity: 1 };
      }
    }).addTo(group);
    L.geoJSON(data.provinces, { interactive: false, renderer: r, style: { color: BASE.province, weight: 0.8, dashArray: "3 3", fill: false } }).addTo(group);
    L.geoJSON(data.lakes, { interactive: false, renderer: r, style: { stroke: false, fillColor: BASE.lake, fillOpacity: 1 } }).addTo(group);
    L.geoJSON(data.rivers_other, { interactive: false, renderer: r, style: { color: BASE.river, weight: 1, opacity: 0.55 } }).addTo(group);
    L.geoJSON(data.rivers, {
      interactive: false, renderer: r,
      style: function (f) {
        var major = f.properties.name_en === "Yalu" || f.properties.name_en === "Tumen";
        return { color: BASE.river, weight: major ? 2.2 : 1, opacity: major ? 0.95 : 0.6 };
      }
    }).addTo(group);
    L.geoJSON(data.border, {
      interactive: false, renderer: r,
      style: function (f) {
        var main = f.properties.pair === "CHN-PRK";
        return { color: BASE.border, weight: main ? 2.5 : 1.5, opacity: 0.85, dashArray: main ? "12 4 2 4" : "6 4" };
      }
    }).addTo(group);
    // Outside the region the basemap covers, a flat veil says "not mapped" instead of a fake coastline.
    L.polygon([
      [[-85, -180], [85, -180], [85, 180], [-85, 180]],
      [[region[1], region[0]], [region[3], region[0]], [region[3], region[2]], [region[1], region[2]]]
    ], { stroke: false, fillColor: "#e9ebee", fillOpacity: 1, interactive: false, renderer: r }).addTo(group);
    var labels = L.layerGroup().addTo(group);
    var countryLabels = [
      { name: t("CHINA"), sub: "中国", at: [43.2, 124.2] },
      { name: t("NORTH KOREA"), sub: "조선", at: [40.35, 127.0] },
      { name: t("SOUTH KOREA"), sub: "한국", at: [38.25, 128.3] },
      { name: t("RUSSIA"), sub: "Россия", at: [43.6, 131.1] }
    ];
    countryLabels.forEach(function (c) {
      L.marker(c.at, {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: "cx-country", html: esc(c.name) + (c.sub === c.name ? "" : "<small>" + esc(c.sub) + "</small>"), iconSize: [160, 40], iconAnchor: [80, 20] })
      }).addTo(labels);
    });
    var towns = (data.towns && data.towns.features) || [];
    return function drawTowns(map) {
      var zoom = map.getZoom();
      var maxRank = zoom >= 10 ? 3 : zoom >= 8 ? 2 : 1;
      labels.eachLayer(function (l) { if (l.options.town) labels.removeLayer(l); });
      // Towns come most important first; a label that would overlap one already placed (or a
      // country name), or would be cut by the map's edge, is left out of this view, as on a printed map.
      var frame = map.getContainer().getBoundingClientRect();
      var cut = function (a) {
        return a.left < frame.left || a.right > frame.right || a.top < frame.top || a.bottom > frame.bottom;
      };
      var placed = [];
      labels.eachLayer(function (l) { if (l.getElement && l.getElement()) placed.push(l.getElement().getBoundingClientRect()); });
      // The map's own controls (zoom, layers, legend, scale, attribution) cover what lies under them.
      map.getContainer().querySelectorAll(".leaflet-control").forEach(function (c) { placed.push(c.getBoundingClientRect()); });
      var overlaps = function (a) {
        return placed.some(function (b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; });
      };
      towns.forEach(function (t) {
        var p = t.properties;
        if (p.rank > maxRank) return;
        // In Korean a town is named in Korean where the basemap has its name (its Chinese name follows).
        var shown = LANG === "ko" && p.name_ko ? p.name_ko : p.name_reported || p.name_en;
        var local = p.country_code === "KP" || p.country_code === "KR" ? (shown === p.name_ko ? "" : p.name_ko) : p.name_zh;
        var html = '<span class="cx-town-dot"></span><span class="cx-town-name">' + esc(shown) +
          (local ? ' <span class="cx-town-local">' + esc(local) + "</span>" : "") + "</span>";
        var marker = L.marker([t.geometry.coordinates[1], t.geometry.coordinates[0]], {
          interactive: false, keyboard: false, town: true,
          icon: L.divIcon({ className: "cx-town", html: html, iconSize: [200, 16], iconAnchor: [4, 8] })
        }).addTo(labels);
        var name = marker.getElement() && marker.getElement().querySelector(".cx-town-name");
        if (!name) return;
        var box = name.getBoundingClientRect();
        var dot = marker.getElement().getBoundingClientRect();
        var extent = { left: dot.left - 2, top: box.top - 1, right: box.right + 2, bottom: box.bottom + 1 };
        if (cut(extent) || overlaps(extent)) labels.removeLayer(marker);
        else placed.push(extent);
      });
    };
  }

  // ---------------------------------------------------------------- layers the viewer hid
  // A rerun (a click on a symbol, a filter) replaces the data groups, which come back shown: a group
  // the viewer unticked in the layer control stays hidden until they tick it again. Only the
  // viewer's own clicks count (streamlit-folium's swaps fire the same layer events).
  function layerKey(name) {
    return String(name).replace(/\s*\([^()]*\)\s*$/, "").trim();
  }

  function keepHiddenLayers(map) {
    var hidden = {};
    var watched = null;
    var pending = false;
    var check = function () {
      pending = false;
      var control = window.layer_control;
      if (!control) return;
      if (control !== watched && control.getContainer && control.getContainer()) {
        watched = control;
        control.getContainer().addEventListener("change", function (event) {
          var input = event.target;
          var label = input && input.closest && input.closest("label");
          if (!label || input.type !== "checkbox") return;
          if (input.checked) delete hidden[layerKey(label.textContent)];
          else hidden[layerKey(label.textContent)] = true;
        });
      }
      (control._layers || []).forEach(function (entry) {
        if (entry.overlay && hidden[layerKey(entry.name)] && map.hasLayer(entry.layer)) map.removeLayer(entry.layer);
      });
    };
    map.on("layeradd", function () {
      if (pending) return;
      pending = true;
      setTimeout(check, 0);
    });
    setTimeout(check, 0);
  }

  // ---------------------------------------------------------------- legend
  function legend(map) {
    keepHiddenLayers(map);
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "cx-legend");
      div.setAttribute("role", "region");
      div.setAttribute("aria-label", t("Map legend"));
      // data-group names what a row explains (a map group, or a part of the legend), so code that
      // shows or hides rows (presenter.js) never depends on their wording.
      var item = function (group, symbol, text, extraClass) {
        return '<div class="cx-legend-row' + (extraClass ? " " + extraClass : "") + '" data-group="' + group + '">' + symbol + "<span>" + text + "</span></div>";
      };
      var head = function (group, text) { return '<div class="cx-legend-head" data-group="' + group + '">' + text + "</div>"; };
      var line = function (color, dash, width) {
        return '<svg width="34" height="12" aria-hidden="true"><line x1="1" y1="6" x2="33" y2="6" stroke="' + color + '" stroke-width="' + width + '"' + (dash ? ' stroke-dasharray="' + dash + '"' : "") + "/></svg>";
      };
      var circle = '<svg width="34" height="18" aria-hidden="true"><circle cx="17" cy="9" r="8" fill="#D55E00" fill-opacity="0.08" stroke="#D55E00" stroke-dasharray="3 3"/></svg>';
      var html = '<button type="button" class="cx-legend-toggle" aria-expanded="true">' + esc(t("Legend")) + '</button><div class="cx-legend-body">';
      var labels = {
        detention_centres: t("Detention centre (China)"),
        crossings: t("Crossing used on 9 Oct 2023"),
        other_crossings: t("Other crossing (not linked to 9 Oct)"),
        receiving_facilities: t("Receiving facility (North Korea)"),
        events: t("Dated event with a place"),
        regular_routes: t("Regular routes (NKDB), not 9 October")
      };
      html += head("places", t("Places"));
      ["crossings", "other_crossings", "detention_centres", "receiving_facilities", "events"].forEach(function (k) {
        html += item(k, '<span class="cx-legend-sym">' + shapeSvg(STYLE[k].shape, STYLE[k].color, "confirmed", 18) + "</span>", labels[k]);
      });
      html += item("areas", circle, t("Known only to the town or city: drawn as an area"));
      html += head("routes", t("9 Oct 2023 legs (schematic)"));
      html += item("routes", line("#1d1d1d", null, 4), t("Reported by a source"));
      html += item("routes", line("#555555", "8 6", 3), t("Inferred: no source states it"));
      html += item("chips", '<span class="cx-legend-sym"><svg width="16" height="16" aria-hidden="true"><rect x="1" y="1" width="14" height="14" rx="3" fill="#fff" stroke="#1d1d1d" stroke-width="1.5"/><path d="M4 8h7M8.5 5l3 3-3 3" fill="none" stroke="#1d1d1d" stroke-width="1.6"/></svg></span>', t("A leg too short to see at this zoom (arrow: its direction)"));
      html += item("moved", '<svg width="34" height="18" aria-hidden="true"><line x1="4" y1="14" x2="24" y2="5" stroke="#333" stroke-width="1.5"/><circle cx="4" cy="14" r="2.5" fill="#333"/><rect x="22" y="1" width="9" height="9" fill="#D55E00"/></svg>', t("Moved aside so nothing hides it: the line leads to its place"));
      html += head("regular_routes", t("Context, not dated"));
      html += item("regular_routes", line(STYLE.regular_routes.color, STYLE.regular_routes.dash, STYLE.regular_routes.weight), labels.regular_routes, "cx-legend-regular");
      html += head("confidence", t("Confidence (fill)"));
      html += item("confidence", '<span class="cx-legend-sym">' + shapeSvg("square", "#444", "confirmed", 16) + "</span>", t("Confirmed (two or more independent outlets, or a primary document)"));
      html += item("confidence", '<span class="cx-legend-sym">' + shapeSvg("square", "#444", "single-source", 16) + "</span>", t("Single source"));
      html += item("confidence", '<span class="cx-legend-sym">' + shapeSvg("square", "#444", "inferred", 16) + "</span>", t("Inferred or unknown (hollow, dashed)"));
      html += item("border", line("#7a2e2e", "12 4 2 4", 2.5), t("China–North Korea border (de facto)"));
      html += item("selection", '<svg width="34" height="18" aria-hidden="true"><circle cx="17" cy="9" r="7" fill="none" stroke="#fff" stroke-width="4"/><circle cx="17" cy="9" r="7" fill="none" stroke="#000" stroke-width="2"/></svg>', t("Ring: the feature open in the details panel"), "cx-legend-ring");
      html += '<div class="cx-legend-note" data-group="note">' + esc(t('Numbers: people reported sent back on 9 Oct 2023; "unknown" = no source gives one.')) + "</div>";
      html += "</div>";
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      var toggle = div.querySelector(".cx-legend-toggle");
      var chosen = false;  // the viewer opened or folded it: it stays so
      var setOpen = function (open) {
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        div.classList.toggle("cx-collapsed", !open);
      };
      toggle.addEventListener("click", function () {
        chosen = true;
        setOpen(toggle.getAttribute("aria-expanded") !== "true");
      });
      // The legend starts folded unless the map is as wide as a presentation screen: open, it would
      // cover part of the data (the presenter leaves room for it when it frames a scene).
      var fold = function () { if (!chosen) setOpen(map.getSize().x >= 1200); };
      fold();
      map.on("resize", fold);
      return div;
    };
    control.addTo(map);
    return control;
  }

  // The feature open in the details panel: a white-and-black ring round a point (outside its icon),
  // a translucent halo along a leg; not interactive, so clicks still reach the feature.
  function highlight(group, geometry) {
    if (!geometry || !geometry.coordinates) return group;
    // The legend explains the ring only while there is one (the presenter never shows it).
    group.on("add", function () { group._map.getContainer().classList.add("cx-has-selection"); });
    group.on("remove", function () { if (group._map) group._map.getContainer().classList.remove("cx-has-selection"); });
    var quiet = { interactive: false, fill: false };
    if (geometry.type === "LineString") {
      var latlngs = geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
      L.polyline(latlngs, L.extend({ color: "#000000", weight: 14, opacity: 0.28, className: "cx-selected" }, quiet)).addTo(group);
    } else if (geometry.type === "Point") {
      var at = [geometry.coordinates[1], geometry.coordinates[0]];
      L.circleMarker(at, L.extend({ radius: 21, color: "#ffffff", weight: 7, opacity: 0.95 }, quiet)).addTo(group);
      L.circleMarker(at, L.extend({ radius: 21, color: "#000000", weight: 3, opacity: 1, className: "cx-selected" }, quiet)).addTo(group);
    }
    return group;
  }

  // A group off by default (folium's show=False): streamlit-folium adds every group to the map, so the
  // group takes itself off once, after the layer control exists; the control then shows it unticked.
  function hideUntilAsked(group) {
    group.once("add", function () {
      var map = group._map;
      setTimeout(function () { if (map) map.removeLayer(group); }, 0);
    });
    return group;
  }

  window.CrossingsMap = {
    settings: settings, t: t, localise: localise, highlight: highlight, layout: layoutSymbols, hideUntilAsked: hideUntilAsked,
    draw: draw, basemap: basemap, legend: legend, esc: esc, expandColumns: expandColumns, decodeBasemap: decodeBasemap,
    useData: useData, drawSelection: drawSelection, selectRows: selectRows, selectedIds: selectedIds, selectedGrid: selectedGrid,
    prepare: prepare, busy: function () { return drawing; },
    painter: { Painter: Painter, discStamp: discStamp, ringStamp: ringStamp }  // for checks
  };
})();
