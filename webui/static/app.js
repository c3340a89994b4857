// Vigie web UI: live countdowns, and a guard that keeps the 10-second list
// refresh from wiping a form someone is filling in. Served as a static file
// because the Content-Security-Policy forbids inline scripts. The pages work
// without it: the server renders every countdown as of page load.
(function () {
  "use strict";

  var body = document.body;
  // Clock skew between this browser and the server, from the render time.
  var skew = 0;
  var serverNow = Date.parse(body.getAttribute("data-now") || "");
  if (!isNaN(serverNow)) {
    skew = serverNow - Date.now();
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // Same format as the server's (webui.clockText): m:ss under an hour, h:mm:ss above.
  function clock(ms) {
    var s = Math.floor(ms / 1000);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    s = s % 60;
    return (h > 0 ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
  }

  var SOON = 10 * 60 * 1000;

  function tick() {
    var now = Date.now() + skew;
    var els = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var left = Date.parse(el.getAttribute("data-deadline")) - now;
      if (isNaN(left)) {
        continue;
      }
      var text = left >= 0 ? clock(left) : (el.getAttribute("data-overdue") || "overdue") + " +" + clock(-left);
      if (el.textContent !== text) {
        el.textContent = text;
      }
      el.classList.toggle("soon", left >= 0 && left < SOON);
      el.classList.toggle("over", left < 0);
      var item = el.closest("[data-item]");
      if (item) {
        item.classList.toggle("is-soon", left >= 0 && left < SOON);
        item.classList.toggle("is-over", left < 0);
      }
    }
    var since = document.querySelectorAll("[data-since]");
    for (var j = 0; j < since.length; j++) {
      var t = Date.parse(since[j].getAttribute("data-since"));
      if (!isNaN(t)) {
        since[j].textContent = "+" + clock(Math.max(0, now - t));
      }
    }
  }

  tick();
  setInterval(tick, 1000);

  // Skip a scheduled refresh while a form inside the refreshed element is
  // open or has the focus: the refresh would throw away what was typed.
  body.addEventListener("htmx:beforeRequest", function (e) {
    var el = e.detail && e.detail.elt;
    if (el && el.hasAttribute("data-poll") && el.querySelector("details[open], input:focus, textarea:focus, select:focus")) {
      e.preventDefault();
    }
  });
})();
