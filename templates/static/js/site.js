// Reading aids: large text and high contrast, remembered on this device.
// The page works fully without this script; the buttons only appear when it runs.
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "sitemigrate-reading";

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }

  function save(state) {
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  var state = load();
  Object.keys(state).forEach(function (name) {
    if (state[name]) { root.classList.add(name); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var tools = document.querySelector(".a11y-tools");
    if (!tools) { return; }
    tools.hidden = false;
    tools.querySelectorAll("button[data-toggle]").forEach(function (button) {
      var name = button.getAttribute("data-toggle");
      button.setAttribute("aria-pressed", root.classList.contains(name) ? "true" : "false");
      button.addEventListener("click", function () {
        var on = root.classList.toggle(name);
        button.setAttribute("aria-pressed", on ? "true" : "false");
        state[name] = on;
        save(state);
      });
    });
  });
}());
