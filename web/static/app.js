// Slipway web UI: the little behaviour the pages need beyond htmx. No
// inline handlers (the Content-Security-Policy forbids them).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // Machines table: a "select all shown" checkbox for bulk actions.
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('table.machines input[name="name"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }
});

// A confirmation shown in place: Cancel clears it instead of navigating.
document.addEventListener("click", function (ev) {
  var t = ev.target;
  if (t instanceof Element && t.matches('[data-dismiss="flash"]') && document.getElementById("flash")) {
    ev.preventDefault();
    document.getElementById("flash").replaceChildren();
  }
});

// After htmx puts a result or a confirmation into #flash, move focus there
// so keyboard and screen-reader users land on it.
document.addEventListener("htmx:afterSwap", function (ev) {
  var target = ev.detail && ev.detail.target;
  if (target && target.id === "flash") {
    var focus = target.querySelector("[autofocus]") || target.firstElementChild;
    if (focus) {
      if (!focus.hasAttribute("tabindex") && !focus.matches("button, a, input")) {
        focus.setAttribute("tabindex", "-1");
      }
      focus.focus();
    }
  }
});
