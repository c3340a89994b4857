// Vigie: the public subscription page (/subscribe).
//
// The person chooses map cells (map.js, mode cells, hidden input "cells")
// and a language, then presses Subscribe: the page asks for permission to
// show notifications, registers the service worker /sw.js (scope /), gets
// the server's VAPID key (GET /push/vapid), subscribes with the browser's
// push service (PushManager.subscribe) and sends the subscription with the
// cells and the language (POST /push/subscriptions). The answer's id and
// token (the secret that unsubscribes) are kept in localStorage with the
// cells, and the cells in IndexedDB too, for the service worker, which
// cannot read localStorage: it checks each alert's exact area against them
// on the device (sw.js). Only cell tokens are ever sent, never a position.
//
// A "live" panel shows the alerts of the chosen cells while the page is
// open, from the Server-Sent Events of GET /alerts/live.
//
// This script is loaded without "defer", after the map's element: it puts
// the cells kept in this browser into the hidden input before map.js (a
// deferred script) sets the map up, so that they are pre-selected. The rest
// waits for DOMContentLoaded. Strings come translated in data-msg-*
// attributes of #subscribe-app ("%s" is filled in here).
(function () {
  "use strict";

  var STORE_KEY = "vigie.subscription"; // localStorage: {id, token, cells, lang, endpoint}

  // --------------------------------------------------------------- storage

  function load() {
    try {
      var v = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      return v && typeof v === "object" && Array.isArray(v.cells) ? v : null;
    } catch (e) {
      return null;
    }
  }

  function save(v) {
    try {
      if (v) {
        localStorage.setItem(STORE_KEY, JSON.stringify(v));
      } else {
        localStorage.removeItem(STORE_KEY);
      }
    } catch (e) {
      // Storage refused (private browsing): the subscription still works.
    }
  }

  // IndexedDB: one record, the service worker's copy of the subscription
  // ({cells, lang, id, token}). The same helper is in sw.js.
  var IDB_NAME = "vigie-push", IDB_STORE = "kv", IDB_KEY = "subscription";

  function idb(mode, fn) {
    return new Promise(function (resolve, reject) {
      if (!self.indexedDB) {
        reject(new Error("no IndexedDB"));
        return;
      }
      var open = indexedDB.open(IDB_NAME, 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore(IDB_STORE);
      };
      open.onerror = function () {
        reject(open.error);
      };
      open.onsuccess = function () {
        var db = open.result, req;
        var tx = db.transaction(IDB_STORE, mode);
        tx.oncomplete = function () {
          db.close();
          resolve(req ? req.result : undefined);
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
        req = fn(tx.objectStore(IDB_STORE));
      };
    });
  }

  function idbGet() {
    return idb("readonly", function (s) { return s.get(IDB_KEY); });
  }

  function idbPut(v) {
    return idb("readwrite", function (s) { return s.put(v, IDB_KEY); });
  }

  function idbDelete() {
    return idb("readwrite", function (s) { return s.delete(IDB_KEY); });
  }

  // ------------------------------------------- before the map is set up

  var saved = load();
  var input = document.getElementById("cells");
  if (input && saved && !input.value) {
    input.value = saved.cells.filter(function (c) { return /^[0-9b-hjkmnp-z]{4,8}$/.test(c); }).join(",");
  }

  // ------------------------------------------------------------- the page

  var app, langSelect, bSub, bUnsub, statusBox, errorBox, liveStatus, liveList;
  var pageLang = document.documentElement.lang || "en";
  var busy = false;

  function msg(key, arg) {
    var s = app.getAttribute("data-msg-" + key) || key;
    return arg === undefined ? s : s.replace("%s", String(arg));
  }

  function cells() {
    return (input.value || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean).sort();
  }

  function sameList(a, b) {
    return a.length === b.length && a.every(function (x, i) { return x === b[i]; });
  }

  function subscribed() {
    return !!(saved && saved.id !== undefined && saved.id !== null && saved.token);
  }

  // support returns "" when this browser can subscribe, else the key of
  // the message that says why not.
  function support() {
    var ios = /iPad|iPhone|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
    if (!window.isSecureContext) {
      return "insecure";
    }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      return ios ? "ios" : "unsupported";
    }
    return "";
  }

  function showStatus(text, ok) {
    statusBox.textContent = text;
    statusBox.hidden = !text;
    statusBox.classList.toggle("ok", !!ok);
  }

  // showError shows a message, and optionally a list of details under it.
  function showError(text, details) {
    errorBox.textContent = "";
    errorBox.hidden = !text;
    if (!text) {
      return;
    }
    var p = document.createElement("p");
    p.textContent = text;
    errorBox.appendChild(p);
    if (details && details.length) {
      var ul = document.createElement("ul");
      details.forEach(function (d) {
        var li = document.createElement("li");
        li.textContent = d;
        ul.appendChild(li);
      });
      errorBox.appendChild(ul);
    }
  }

  // refresh shows the state: subscribed or not, and whether the choice on
  // the page differs from the subscription.
  function refresh() {
    var on = subscribed();
    bSub.textContent = msg(on ? "update" : "subscribe");
    bSub.disabled = busy || support() !== "";
    bUnsub.parentNode.hidden = !on; // .btn sets display: hide its box
    bUnsub.disabled = busy;
    app.setAttribute("data-state", on ? "subscribed" : "unsubscribed");
    if (busy) {
      return;
    }
    if (!on) {
      showStatus(msg("off"));
    } else if (!sameList(cells(), saved.cells.slice().sort()) || langSelect.value !== saved.lang) {
      showStatus(msg("changed"));
    } else {
      showStatus(msg("on", saved.cells.join(", ")));
    }
  }

  // Failure is an error whose message is for the person.
  function Failure(text, details) {
    this.text = text;
    this.details = details || [];
  }

  function fetchOrFail(url, opts) {
    return fetch(url, opts).catch(function () {
      throw new Failure(msg("network"));
    });
  }

  function b64urlBytes(s) {
    s = String(s).replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out;
  }

  function sameBytes(a, b) {
    if (!a || !b) {
      return false;
    }
    a = new Uint8Array(a);
    b = new Uint8Array(b);
    if (a.length !== b.length) {
      return false;
    }
    for (var i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        return false;
      }
    }
    return true;
  }

  function vapidKey() {
    return fetchOrFail("/push/vapid", { headers: { "Accept": "application/json" } }).then(function (res) {
      if (!res.ok) {
        throw new Failure(msg("nopush"));
      }
      return res.json().catch(function () { return {}; });
    }).then(function (body) {
      try {
        var key = b64urlBytes(body.public_key);
        if (key.length === 65 && key[0] === 4) {
          return key;
        }
      } catch (e) {
        // below
      }
      throw new Failure(msg("nopush"));
    });
  }

  // problemDetails turns a problem+json answer into lines naming the field.
  function problemDetails(problem, sent) {
    var out = [];
    (problem && Array.isArray(problem.errors) ? problem.errors : []).forEach(function (e) {
      var loc = String(e.location || "");
      var m = /^body\.(cells|lang|subscription)(?:\[(\d+)\])?/.exec(loc);
      var label = loc;
      if (m) {
        label = msg("field-" + m[1]);
        if (m[1] === "cells" && m[2] !== undefined && sent.cells[+m[2]] !== undefined) {
          label += " (" + sent.cells[+m[2]] + ")";
        }
      }
      out.push(label + (e.message ? (pageLang === "fr" ? " : " : ": ") + e.message : ""));
    });
    if (!out.length && problem && problem.detail) {
      out.push(problem.detail);
    }
    return out;
  }

  function permission() {
    if (Notification.permission === "granted") {
      return Promise.resolve();
    }
    if (Notification.permission === "denied") {
      return Promise.reject(new Failure(msg("denied")));
    }
    return new Promise(function (resolve) {
      // Old Safari takes a callback and returns nothing.
      var p = Notification.requestPermission(resolve);
      if (p && p.then) {
        p.then(resolve);
      }
    }).then(function (perm) {
      if (perm === "granted") {
        return;
      }
      throw new Failure(msg(perm === "denied" ? "denied" : "dismissed"));
    });
  }

  function subscribe() {
    var chosen = cells();
    showError("");
    if (!chosen.length) {
      showError(msg("nocells"));
      return;
    }
    var why = support();
    if (why) {
      showError(msg(why));
      return;
    }
    var lang = langSelect.value;
    var previous = saved;
    var reg, sub, sent;
    busy = true;
    refresh();
    showStatus(msg("working"));
    permission().then(function () {
      return navigator.serviceWorker.register("/sw.js", { scope: "/" });
    }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (r) {
      reg = r;
      return Promise.all([vapidKey(), reg.pushManager.getSubscription()]);
    }).then(function (got) {
      var key = got[0], current = got[1];
      // A subscription made with another key (the server changed it)
      // cannot be used: replace it.
      if (current && current.options && current.options.applicationServerKey &&
          !sameBytes(current.options.applicationServerKey, key)) {
        return current.unsubscribe().then(function () { return push(key); });
      }
      return current || push(key);
    }).then(function (s) {
      sub = s;
      sent = { subscription: sub.toJSON(), cells: chosen, lang: lang };
      return fetchOrFail("/push/subscriptions", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(sent)
      });
    }).then(function (res) {
      if (res.status === 201 || res.status === 200) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (body.id === undefined || body.id === null || !body.token) {
            throw new Failure(msg("server", res.status));
          }
          return body;
        });
      }
      return res.json().catch(function () { return null; }).then(function (problem) {
        if (res.status === 422 || res.status === 400) {
          throw new Failure(msg("invalid"), problemDetails(problem, sent));
        }
        var d = problem && problem.detail ? [problem.detail] : [];
        throw new Failure(msg("server", res.status), d);
      });
    }).then(function (body) {
      saved = { id: body.id, token: body.token, cells: chosen, lang: lang, endpoint: sub.endpoint };
      save(saved);
      var done = [idbPut({ id: body.id, token: body.token, cells: chosen, lang: lang }).catch(function () {
        // Without IndexedDB the worker shows every alert it receives.
      })];
      // The subscription this one replaces, if the server kept it apart
      // (a new endpoint); a 404 means it did not.
      if (previous && previous.id !== undefined && previous.id !== null && previous.token && previous.id !== body.id) {
        done.push(deleteOnServer(previous).catch(function () {}));
      }
      return Promise.all(done);
    }).then(function () {
      busy = false;
      refresh();
      showStatus(msg("done"), true);
    }).catch(function (e) {
      busy = false;
      refresh();
      if (e instanceof Failure) {
        showError(e.text, e.details);
      } else {
        showError(msg("pushfail", (e && (e.message || e.name)) || String(e)));
      }
    });
  }

  // push subscribes with the browser's push service; its errors are the
  // browser's, shown as such. A browser that cannot reach its push service
  // (a network that blocks it; headless Chromium) may keep trying without
  // answering: after data-push-timeout milliseconds (30 s by default) the
  // page says so. A subscription that comes later is taken up by the next
  // press of the button (getSubscription).
  function push(key) {
    var wait = Number(app.getAttribute("data-push-timeout")) || 30000;
    var timer;
    var slow = new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        reject(new Failure(msg("pushslow")));
      }, wait);
    });
    var sub = navigator.serviceWorker.ready.then(function (reg) {
      return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    }).catch(function (e) {
      throw new Failure(msg("pushfail", (e && (e.message || e.name)) || String(e)));
    });
    return Promise.race([sub, slow]).then(function (s) {
      clearTimeout(timer);
      return s;
    }, function (e) {
      clearTimeout(timer);
      throw e;
    });
  }

  function deleteOnServer(s) {
    return fetchOrFail("/push/subscriptions/" + encodeURIComponent(s.id), {
      method: "DELETE",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: s.token })
    }).then(function (res) {
      // 404: the server does not know it (any more); nothing to delete.
      if (!res.ok && res.status !== 404 && res.status !== 410) {
        throw new Failure(msg("unsubfail", res.status));
      }
    });
  }

  function unsubscribe() {
    if (!subscribed()) {
      return;
    }
    showError("");
    busy = true;
    refresh();
    showStatus(msg("removing"));
    deleteOnServer(saved).then(function () {
      if (!("serviceWorker" in navigator)) {
        return null;
      }
      return navigator.serviceWorker.getRegistration("/");
    }).then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    }).then(function (sub) {
      return sub ? sub.unsubscribe() : true;
    }).then(function () {
      // The cells stay in this browser, to subscribe again in one click.
      saved = { cells: saved.cells, lang: saved.lang };
      save(saved);
      return idbDelete().catch(function () {});
    }).then(function () {
      busy = false;
      refresh();
      showStatus(msg("removed"), true);
    }).catch(function (e) {
      busy = false;
      refresh();
      showError(e instanceof Failure ? e.text : msg("unsubfail", (e && e.message) || String(e)));
    });
  }

  // reconcile takes in what the service worker changed while the page was
  // closed (it re-subscribes when the push service renews the
  // subscription), and writes its copy when it has none.
  function reconcile() {
    if (!subscribed()) {
      return;
    }
    idbGet().then(function (w) {
      if (w && w.id !== undefined && w.id !== saved.id && sameList((w.cells || []).slice().sort(), saved.cells.slice().sort())) {
        saved.id = w.id;
        saved.token = w.token;
        save(saved);
      } else if (!w) {
        return idbPut({ id: saved.id, token: saved.token, cells: saved.cells, lang: saved.lang });
      }
    }).catch(function () {});
  }

  // ----------------------------------------------------------- live panel

  var source = null, sourceKey = "", retry = null;

  function live() {
    var chosen = cells(), lang = langSelect.value;
    var key = chosen.join(",") + "|" + lang;
    if (key === sourceKey) {
      return;
    }
    sourceKey = key;
    if (source) {
      source.close();
      source = null;
    }
    clearTimeout(retry);
    liveList.textContent = "";
    if (!chosen.length) {
      liveStatus.textContent = msg("live-nocells");
      return;
    }
    if (!window.EventSource) {
      liveStatus.textContent = msg("unsupported");
      return;
    }
    liveStatus.textContent = msg("live-connecting");
    var es = source = new EventSource("/alerts/live?cells=" + chosen.join(",") + "&lang=" + encodeURIComponent(lang));
    es.onopen = function () {
      liveStatus.textContent = msg(liveList.children.length ? "live-some" : "live-on");
    };
    es.onerror = function () {
      liveStatus.textContent = msg("live-lost");
      if (es.readyState === EventSource.CLOSED && source === es) {
        // The browser gave up (the server answered something other than
        // a stream): try again later.
        retry = setTimeout(function () {
          if (source === es) {
            sourceKey = "";
            live();
          }
        }, 30000);
      }
    };
    es.addEventListener("alert", function (ev) {
      var a;
      try {
        a = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (a && typeof a === "object") {
        showAlert(a);
        liveStatus.textContent = msg("live-some");
      }
    });
  }

  function el(tag, cls, parent, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    if (parent) {
      parent.appendChild(e);
    }
    return e;
  }

  // formatTime writes a time as the server does (webui.locale.DateTime):
  // the day in the page's language, the time in UTC, marked so, kept left
  // to right inside right-to-left text.
  function formatTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) {
      return "";
    }
    var day;
    try {
      day = new Intl.DateTimeFormat(pageLang + "-u-nu-latn", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(d);
    } catch (e) {
      day = d.toISOString().slice(0, 10);
    }
    var pad = function (n) { return n < 10 ? "0" + n : String(n); };
    var time = "\u2066" + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC\u2069";
    return (app.getAttribute("data-msg-datetime") || "%s, %s").replace("%s", day).replace("%s", time);
  }

  // showAlert puts an alert at the top of the list; an earlier message of
  // the same chain (the alert an Update or a Cancel replaces) goes.
  function showAlert(a) {
    var chain = String(a.chain || a.id || a.identifier || "");
    var old = liveList.querySelectorAll("li[data-chain]");
    for (var i = 0; i < old.length; i++) {
      if (old[i].getAttribute("data-chain") === chain) {
        old[i].remove();
      }
    }
    var li = document.createElement("li");
    li.className = "al-info";
    li.setAttribute("data-chain", chain);
    li.setAttribute("data-id", String(a.id || ""));
    li.setAttribute("data-status", String(a.status || ""));
    li.setAttribute("data-msg-type", String(a.msg_type || ""));
    var badges = el("p", "", li);
    if (a.status === "Exercise" || a.status === "Test") {
      el("span", "badge al-status-" + a.status, badges, msg(a.status === "Exercise" ? "live-exercise" : "live-test"))
        .setAttribute("data-exercise", "");
    }
    if (a.msg_type === "Update" || a.msg_type === "Cancel") {
      badges.appendChild(document.createTextNode(" "));
      el("span", "badge al-msg", badges,
        msg(a.msg_type === "Cancel" ? "live-cancel" : "live-update"));
    }
    if (!badges.childNodes.length) {
      badges.remove();
    }
    // The alert's own texts, in their language and direction.
    var body = el("div", "", li);
    if (a.lang) {
      body.setAttribute("lang", String(a.lang));
    }
    body.setAttribute("dir", "auto");
    el("h3", "", body, a.headline || a.event || "");
    if (a.instruction) {
      el("p", "al-instruction", body, a.instruction).setAttribute("dir", "auto");
    }
    if (a.description) {
      el("p", "pre", body, a.description).setAttribute("dir", "auto");
    }
    var meta = el("p", "muted small", li);
    if (a.area_desc) {
      el("span", "", meta, a.area_desc).setAttribute("dir", "auto");
    }
    var until = a.expires ? formatTime(a.expires) : "";
    if (until) {
      if (a.area_desc) {
        meta.appendChild(document.createTextNode(" · "));
      }
      var t = el("time", "", meta, msg("live-until", until));
      t.setAttribute("datetime", String(a.expires));
    }
    if (typeof a.url === "string" && /^(https?:\/\/|\/)/.test(a.url)) {
      var link = el("a", "", li, msg("live-details"));
      link.href = a.url;
      link.rel = "noopener";
    }
    liveList.insertBefore(li, liveList.firstChild);
  }

  // ----------------------------------------------------------------- set-up

  function init() {
    app = document.getElementById("subscribe-app");
    if (!app || !input) {
      return;
    }
    langSelect = document.getElementById("alert-lang");
    bSub = document.getElementById("sub-subscribe");
    bUnsub = document.getElementById("sub-unsubscribe");
    statusBox = document.getElementById("sub-status");
    errorBox = document.getElementById("sub-error");
    liveStatus = document.getElementById("live-status");
    liveList = document.getElementById("live-list");

    if (saved && saved.lang && langSelect.querySelector('option[value="' + CSS.escape(saved.lang) + '"]')) {
      langSelect.value = saved.lang;
    }
    var why = support();
    if (why) {
      showError(msg(why));
    } else if (Notification.permission === "denied") {
      showError(msg("denied"));
    }
    bSub.addEventListener("click", subscribe);
    bUnsub.addEventListener("click", unsubscribe);
    input.addEventListener("change", function () {
      refresh();
      live();
    });
    langSelect.addEventListener("change", function () {
      refresh();
      live();
    });
    refresh();
    live();
    if (!why) {
      reconcile();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
