// For each feature drawn in the map frame: can a pointer reach it? (tests/browser/test_reachable.py)
() => {
  const map = window.map;
  const box = map.getContainer().getBoundingClientRect();
  const inside = (x, y) => x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;
  const describe = (el) => !el ? 'nothing' : (el.closest('.cx-icon') ? 'symbol ' + el.closest('.cx-icon').title
    : el.closest('.leaflet-tooltip') ? 'label ' + el.closest('.leaflet-tooltip').innerText.split('\n')[0]
    : el.closest('.leaflet-control') ? 'control ' + el.closest('.leaflet-control').className
    : el.closest('.cx-pr-bar') ? 'caption bar' : String(el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className));
  const features = {};
  const hitsIcon = (icon) => {
    const r = icon.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (!inside(x, y)) return 'outside the map';
    const el = document.elementFromPoint(x, y);
    return el && el.closest('.cx-icon, .cx-leg-chip') === icon ? null : describe(el);
  };
  document.querySelectorAll('.leaflet-marker-pane .cx-icon').forEach((icon) => {
    const problem = hitsIcon(icon);
    features[icon.dataset.fid] = {name: icon.title, reachable: !problem, by: problem || 'symbol'};
  });
  map.eachLayer((layer) => {
    if (!(layer instanceof L.Polyline) || !layer._path || !layer.options.interactive || layer.options.opacity !== 0) return;
    const text = layer.getTooltip() ? layer.getTooltip()._content : '';
    const fid = (text.match(/\u27e6([^\u27e7]+)\u27e7/) || [])[1];
    const pts = layer.getLatLngs().map((ll) => map.latLngToContainerPoint(ll));
    let reached = false;
    for (let s = 0; s < pts.length - 1 && !reached; s++) {
      for (let t = 0; t <= 1.0001 && !reached; t += 0.05) {
        const x = box.left + pts[s].x + (pts[s + 1].x - pts[s].x) * t, y = box.top + pts[s].y + (pts[s + 1].y - pts[s].y) * t;
        reached = inside(x, y) && document.elementFromPoint(x, y) === layer._path;
      }
    }
    let by = reached ? 'line' : 'not reachable on its line';
    const chip = document.querySelector('.cx-leg-chip[data-fid="' + fid + '"]');
    if (!reached && chip && getComputedStyle(chip).display !== 'none') {
      const problem = hitsIcon(chip);
      reached = !problem;
      by = problem ? 'chip covered by ' + problem : 'chip';
    }
    features[fid] = {name: fid, reachable: reached, by: by};
  });
  // The layers shown (a context layer starts unticked: nothing of it is drawn until it is asked for).
  const overlays = [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
    .filter((l) => l.querySelector('input').checked).map((l) => l.innerText);
  const listed = overlays.reduce((sum, text) => sum + Number((text.match(/\((\d+)/) || [0, 0])[1]), 0);
  return {features: features, listed: listed};
}
