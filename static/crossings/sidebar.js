/* On a phone the filter panel (Streamlit's sidebar) starts closed on every load, the map first.
 *
 * Streamlit 1.67 remembers the sidebar's last state in localStorage under "stSidebarCollapsed-" and
 * the page link base URL ("true"/"false", written whenever a viewer opens or closes it); when the key is
 * there, it prefers it to initial_sidebar_state on the next load (frontend: app/components/AppView). So a
 * phone reader who once opened the filters got them over the map after every reload.
 *
 * This script runs in the app's own page (geo/ui/phone.py inlines it with st.html; its sanitiser drops
 * a script whose text has a "less than" sign right before a letter, a slash or "!": keep it so). At
 * widths where Streamlit itself starts the sidebar collapsed (768 px and less, its "md" breakpoint) it
 * does not let Streamlit write that key and clears it when the page is left, so the next load has no
 * remembered state and Streamlit's default (collapsed on a narrow screen) applies from the first paint.
 * Wider windows (desktops, tablets in landscape) keep Streamlit's behaviour unchanged. */
(function () {
  "use strict";

  if (window.cxSidebarGuard) return; // once per page, however often Streamlit re-renders the element
  window.cxSidebarGuard = true;

  var PREFIX = "stSidebarCollapsed-";
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 768px)") : { matches: false };
  var proto = window.Storage && window.Storage.prototype;
  if (!proto || !proto.setItem) return;
  var setItem = proto.setItem;

  function isSidebarKey(key) {
    return typeof key === "string" && key.indexOf(PREFIX) === 0;
  }

  // Removes the remembered states; true when one of them said "open".
  function forget() {
    var opened = false;
    try {
      var keys = [];
      for (var i = 0; i < window.localStorage.length; i++) {
        if (isSidebarKey(window.localStorage.key(i))) keys.push(window.localStorage.key(i));
      }
      keys.forEach(function (key) {
        if (window.localStorage.getItem(key) === "false") opened = true;
        window.localStorage.removeItem(key);
      });
    } catch (e) {
      // storage disabled (private mode, policy): Streamlit remembers nothing either
    }
    return opened;
  }

  proto.setItem = function (key, value) {
    if (this === window.localStorage && isSidebarKey(key) && narrow.matches) {
      this.removeItem(key);
      return undefined;
    }
    return setItem.apply(this, arguments);
  };

  window.addEventListener("pagehide", function () {
    if (narrow.matches) forget();
  });

  // A search result chosen on a phone: the panel folds away so the map and the details under it show
  // (as Streamlit does itself for its page links). After the button's own click handler has run.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!narrow.matches || !target || !target.closest) return;
    if (!target.closest('[class*="st-key-sidebar-place-search-hit-"] button')) return;
    window.setTimeout(function () {
      var close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 0);
  });

  // A state remembered before this script ran (at a desktop width, or before this fix) has already
  // opened the panel on this load: close it once, with Streamlit's own button.
  if (narrow.matches && forget()) {
    var button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    var sidebar = document.querySelector('[data-testid="stSidebar"]');
    if (button && sidebar && sidebar.getAttribute("data-collapsed") === "false") button.click();
  }
})();
