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

// Images page: upload an image's content with XMLHttpRequest (its upload
// progress events drive the bar, the percentage and the rate), then put
// the row the server answers (status ready, or the refusal) in place.
document.addEventListener("click", function (ev) {
  var t = ev.target;
  if (!(t instanceof Element) || !t.matches("[data-upload-start]")) {
    return;
  }
  var box = t.closest("[data-upload]");
  if (box) {
    ev.preventDefault();
    uploadImage(box, t);
  }
});

function uploadImage(box, button) {
  var input = box.querySelector('input[type="file"]');
  var bar = box.querySelector("progress");
  var status = box.querySelector(".up-status");
  var file = input && input.files && input.files[0];
  if (!file) {
    status.textContent = "Choose the image file first.";
    return;
  }
  var xhr = new XMLHttpRequest();
  var started = performance.now();
  button.disabled = true;
  input.disabled = true;
  bar.hidden = false;
  bar.value = 0;
  status.textContent = "0 %";
  xhr.upload.addEventListener("progress", function (e) {
    if (!e.lengthComputable || e.total === 0) {
      return;
    }
    var pct = Math.floor((e.loaded * 100) / e.total);
    var secs = (performance.now() - started) / 1000;
    var rate = secs > 0 ? e.loaded / 1e6 / secs : 0;
    bar.value = pct;
    status.textContent = pct + " % · " + (e.loaded / 1e6).toFixed(1) + " of " +
      (e.total / 1e6).toFixed(1) + " MB · " + rate.toFixed(1) + " MB/s";
  });
  xhr.upload.addEventListener("load", function () {
    bar.value = 100;
    status.textContent = "100 % sent · verifying…";
  });
  xhr.addEventListener("load", function () {
    var row = box.closest("tr");
    if ((xhr.status === 200 || xhr.status === 422) && row && xhr.responseText.indexOf("<tr") === 0) {
      var tmp = document.createElement("tbody");
      tmp.innerHTML = xhr.responseText;
      var fresh = tmp.firstElementChild;
      row.replaceWith(fresh);
      var note = fresh.querySelector(".up-status");
      if (note && xhr.status === 200) {
        note.textContent = "Uploaded " + (file.size / 1e6).toFixed(1) + " MB.";
      }
      return;
    }
    failed(xhr.status + ": " + textOf(xhr.responseText));
  });
  xhr.addEventListener("error", function () { failed("the connection failed"); });
  xhr.addEventListener("abort", function () { failed("aborted"); });

  function failed(why) {
    button.disabled = false;
    input.disabled = false;
    status.textContent = "Upload failed (" + why + ")";
  }
  xhr.open("POST", box.getAttribute("data-upload"));
  xhr.setRequestHeader("X-CSRF-Token", box.querySelector('input[name="csrf"]').value);
  xhr.setRequestHeader("Content-Type", "application/octet-stream");
  xhr.setRequestHeader("HX-Request", "true"); // errors come back as a fragment
  xhr.send(file);
}

// textOf is the text of an HTML fragment (an error the server answered).
function textOf(html) {
  var d = new DOMParser().parseFromString(html, "text/html");
  return (d.body.textContent || "").trim().slice(0, 300);
}
