// Vigie's service worker, served as /sw.js (scope: the whole site) for the
// public subscription page (subscribe.js). It shows the alerts that reach
// this browser by Web Push, and renews the subscription when the push
// service replaces it.
//
// The device-side area check: the server knows only the map cells the
// person chose (geohash cells of about 5 km); the push message carries the
// alert's exact area (CAP polygons "lat,lon lat,lon …" and circles
// "lat,lon radius_km"). The worker shows the alert when one of the chosen
// cells (kept by the page in IndexedDB: a service worker cannot read
// localStorage) touches one of its shapes, and also whenever it cannot
// decide (no cells stored, an area it cannot read, no area at all): it
// errs on the side of warning. Each alert chain has one notification
// (tag: the chain's first alert), which an Update or a Cancel replaces;
// these are shown even outside the cells to whoever was shown the alert,
// so that nobody is left with a stale warning.
//
// The pure functions are exported on self.vigiePush, for the tests (which
// load this file in a page) and for whoever wants to check an area.
(function () {
  "use strict";

  // ----------------------------------------------------------- IndexedDB
  // The same helper is in subscribe.js. Two records: "subscription", the
  // page's {cells, lang, id, token}; and "shown", written here only, the
  // alert chains this device has shown: {tag: {id, until}}, so that an
  // Update or a Cancel reaches whoever saw the alert. (Not
  // getNotifications: it misses a notification being shown meanwhile, and
  // one the person dismissed.)

  var IDB_NAME = "vigie-push", IDB_STORE = "kv", IDB_KEY = "subscription", SHOWN_KEY = "shown";
  var DAY = 24 * 3600 * 1000;

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

  function idbGet(key) {
    return idb("readonly", function (s) { return s.get(key || IDB_KEY); });
  }

  function idbPut(v) {
    return idb("readwrite", function (s) { return s.put(v, IDB_KEY); });
  }

  // remember notes that the chain tag was shown, until the alert expires
  // (a day when it does not say; a week at most), and forgets the chains
  // that have expired: read, change and write in one transaction, so
  // that pushes handled at the same time do not overwrite each other.
  function remember(tag, msg) {
    var now = Date.now();
    var until = Date.parse(msg.expires);
    if (!isFinite(until) || until < now) {
      until = now + DAY;
    }
    until = Math.min(until, now + 7 * DAY);
    return idb("readwrite", function (s) {
      var req = s.get(SHOWN_KEY);
      req.onsuccess = function () {
        var shown = req.result && typeof req.result === "object" ? req.result : {};
        Object.keys(shown).forEach(function (k) {
          if (!(shown[k] && shown[k].until > now)) {
            delete shown[k];
          }
        });
        shown[tag] = { id: String(msg.id || ""), until: Math.max(until, (shown[tag] && shown[tag].until) || 0) };
        s.put(shown, SHOWN_KEY);
      };
      return null;
    });
  }

  // ------------------------------------------------------------- geometry

  var BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz";

  // cellBounds decodes a geohash into {s, w, n, e}, or null.
  function cellBounds(hash) {
    var latLo = -90, latHi = 90, lonLo = -180, lonHi = 180, even = true;
    hash = String(hash || "").toLowerCase();
    if (!hash || hash.length > 12) {
      return null;
    }
    for (var i = 0; i < hash.length; i++) {
      var v = BASE32.indexOf(hash.charAt(i));
      if (v < 0) {
        return null;
      }
      for (var b = 4; b >= 0; b--) {
        var bit = (v >> b) & 1, mid;
        if (even) {
          mid = (lonLo + lonHi) / 2;
          if (bit) {
            lonLo = mid;
          } else {
            lonHi = mid;
          }
        } else {
          mid = (latLo + latHi) / 2;
          if (bit) {
            latLo = mid;
          } else {
            latHi = mid;
          }
        }
        even = !even;
      }
    }
    return { s: latLo, w: lonLo, n: latHi, e: lonHi };
  }

  // parsePair reads "lat,lon" (CAP: latitude first, WGS 84).
  function parsePair(tok) {
    var p = String(tok).split(",");
    if (p.length !== 2 || p[0].trim() === "" || p[1].trim() === "") {
      return null;
    }
    var lat = Number(p[0]), lon = Number(p[1]);
    if (!isFinite(lat) || !isFinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      return null;
    }
    return [lat, lon];
  }

  // parsePolygon reads a CAP polygon into [[lat, lon], …], or null. It
  // needs three distinct points, and refuses a ring that spans more than
  // 180° of longitude (across the antimeridian: not decided here).
  function parsePolygon(text) {
    var toks = String(text || "").trim().split(/\s+/), pts = [];
    for (var i = 0; i < toks.length; i++) {
      var p = parsePair(toks[i]);
      if (!p) {
        return null;
      }
      pts.push(p);
    }
    if (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) {
      pts.pop(); // closed, as CAP wants: the last point repeats the first
    }
    if (pts.length < 3) {
      return null;
    }
    var minLon = Infinity, maxLon = -Infinity;
    pts.forEach(function (q) {
      minLon = Math.min(minLon, q[1]);
      maxLon = Math.max(maxLon, q[1]);
    });
    return maxLon - minLon > 180 ? null : pts;
  }

  // parseCircle reads a CAP circle "lat,lon radius_km" into
  // {lat, lon, km}, or null.
  function parseCircle(text) {
    var parts = String(text || "").trim().split(/\s+/);
    if (parts.length !== 2) {
      return null;
    }
    var c = parsePair(parts[0]), km = Number(parts[1]);
    if (!c || parts[1] === "" || !isFinite(km) || km < 0) {
      return null;
    }
    return { lat: c[0], lon: c[1], km: km };
  }

  // pointInPolygon is the even-odd rule; x is the longitude, y the latitude.
  function pointInPolygon(lat, lon, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var yi = ring[i][0], xi = ring[i][1], yj = ring[j][0], xj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }

  function orient(ax, ay, bx, by, cx, cy) {
    var v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    return v > 0 ? 1 : v < 0 ? -1 : 0;
  }

  function onSegment(ax, ay, bx, by, px, py) {
    return Math.min(ax, bx) <= px && px <= Math.max(ax, bx) && Math.min(ay, by) <= py && py <= Math.max(ay, by);
  }

  // segmentsTouch reports whether segments AB and CD meet (touching counts).
  function segmentsTouch(a, b, c, d) {
    var o1 = orient(a[1], a[0], b[1], b[0], c[1], c[0]), o2 = orient(a[1], a[0], b[1], b[0], d[1], d[0]);
    var o3 = orient(c[1], c[0], d[1], d[0], a[1], a[0]), o4 = orient(c[1], c[0], d[1], d[0], b[1], b[0]);
    if (o1 !== o2 && o3 !== o4) {
      return true;
    }
    return (o1 === 0 && onSegment(a[1], a[0], b[1], b[0], c[1], c[0])) ||
      (o2 === 0 && onSegment(a[1], a[0], b[1], b[0], d[1], d[0])) ||
      (o3 === 0 && onSegment(c[1], c[0], d[1], d[0], a[1], a[0])) ||
      (o4 === 0 && onSegment(c[1], c[0], d[1], d[0], b[1], b[0]));
  }

  // rectTouchesPolygon reports whether a cell {s, w, n, e} and a polygon
  // [[lat, lon], …] share a point: a vertex in the cell, a corner of the
  // cell in the polygon, or crossing edges.
  function rectTouchesPolygon(r, ring) {
    var i;
    for (i = 0; i < ring.length; i++) {
      if (ring[i][0] >= r.s && ring[i][0] <= r.n && ring[i][1] >= r.w && ring[i][1] <= r.e) {
        return true;
      }
    }
    var corners = [[r.s, r.w], [r.s, r.e], [r.n, r.e], [r.n, r.w]];
    for (i = 0; i < 4; i++) {
      if (pointInPolygon(corners[i][0], corners[i][1], ring)) {
        return true;
      }
    }
    for (i = 0; i < ring.length; i++) {
      var a = ring[i], b = ring[(i + 1) % ring.length];
      for (var k = 0; k < 4; k++) {
        if (segmentsTouch(a, b, corners[k], corners[(k + 1) % 4])) {
          return true;
        }
      }
    }
    return false;
  }

  // distanceKm is the great-circle distance (haversine, mean Earth radius).
  function distanceKm(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6371.0088 * Math.atan2(Math.sqrt(h), Math.sqrt(1 - h));
  }

  // rectTouchesCircle reports whether a cell and a circle {lat, lon, km}
  // share a point: the cell's point nearest to the centre (clamped, close
  // enough at the size of a cell) is within the radius.
  function rectTouchesCircle(r, c) {
    var lat = Math.min(Math.max(c.lat, r.s), r.n);
    var lon = Math.min(Math.max(c.lon, r.w), r.e);
    return distanceKm(c.lat, c.lon, lat, lon) <= c.km + 1e-6;
  }

  // decide tells whether to show an alert (msg.area: {polygons, circles})
  // to someone who chose cells (geohash tokens): true when a cell touches
  // the area, and true when it cannot tell.
  function decide(msg, cells) {
    if (!Array.isArray(cells) || !cells.length) {
      return true; // no cells known: warn
    }
    var rects = cells.map(cellBounds).filter(Boolean);
    var area = (msg && msg.area) || {};
    var polygons = Array.isArray(area.polygons) ? area.polygons : [];
    var circles = Array.isArray(area.circles) ? area.circles : [];
    if (!rects.length || (!polygons.length && !circles.length)) {
      return true; // nothing to check against: warn
    }
    var rings = [], discs = [];
    for (var i = 0; i < polygons.length; i++) {
      var p = parsePolygon(polygons[i]);
      if (!p) {
        return true; // a shape that cannot be read: warn
      }
      rings.push(p);
    }
    for (var j = 0; j < circles.length; j++) {
      var c = parseCircle(circles[j]);
      if (!c) {
        return true;
      }
      discs.push(c);
    }
    return rects.some(function (r) {
      return rings.some(function (ring) { return rectTouchesPolygon(r, ring); }) ||
        discs.some(function (disc) { return rectTouchesCircle(r, disc); });
    });
  }

  // ---------------------------------------------------------- notification

  // WORDS are the few words the worker writes itself, by the message's
  // language (its "lang", e.g. "fr" or "fr-FR"); English otherwise.
  var WORDS = {
    en: { exercise: "EXERCISE", test: "TEST", cancelled: "CANCELLED", cancelBody: "This alert is cancelled." },
    fr: { exercise: "EXERCICE", test: "TEST", cancelled: "ANNULÉE", cancelBody: "Cette alerte est annulée." },
    ar: { exercise: "تمرين", test: "اختبار", cancelled: "أُلغي", cancelBody: "أُلغي هذا الإنذار." },
    de: { exercise: "ÜBUNG", test: "TEST", cancelled: "AUFGEHOBEN", cancelBody: "Diese Warnung ist aufgehoben." },
    es: { exercise: "SIMULACRO", test: "PRUEBA", cancelled: "CANCELADA", cancelBody: "Esta alerta está cancelada." },
    it: { exercise: "ESERCITAZIONE", test: "TEST", cancelled: "ANNULLATA", cancelBody: "Questa allerta è annullata." },
    nl: { exercise: "OEFENING", test: "TEST", cancelled: "INGETROKKEN", cancelBody: "Deze waarschuwing is ingetrokken." },
    pt: { exercise: "EXERCÍCIO", test: "TESTE", cancelled: "CANCELADO", cancelBody: "Este alerta foi cancelado." }
  };

  function words(lang) {
    return WORDS[String(lang || "").toLowerCase().split(/[-_]/)[0]] || WORDS.en;
  }

  // notification returns the title and options of an alert's notification.
  function notification(msg) {
    msg = msg || {};
    var w = words(msg.lang);
    var tag = String(msg.chain || msg.id || msg.identifier || "");
    var prefix = [];
    if (msg.status === "Exercise") {
      prefix.push(w.exercise);
    } else if (msg.status === "Test") {
      prefix.push(w.test);
    }
    var cancel = msg.msg_type === "Cancel";
    if (cancel) {
      prefix.push(w.cancelled);
    }
    var title = String(msg.headline || msg.event || "Vigie");
    if (prefix.length) {
      title = prefix.join(" · ") + " — " + title;
    }
    var lines;
    if (cancel) {
      lines = [w.cancelBody, msg.description || msg.instruction];
    } else {
      lines = [msg.instruction || msg.description, msg.area_desc];
    }
    var body = lines.filter(Boolean).join("\n");
    if (msg.status === "Exercise" || msg.status === "Test") {
      body = prefix[0] + (body ? " — " + body : "");
    }
    var urgent = !cancel && msg.urgency === "Immediate" && (msg.severity === "Extreme" || msg.severity === "Severe");
    var options = {
      body: body,
      lang: String(msg.lang || ""),
      dir: "auto",
      requireInteraction: urgent,
      data: { url: typeof msg.url === "string" ? msg.url : "", id: msg.id, chain: tag }
    };
    if (tag) {
      options.tag = tag;
      options.renotify = !cancel; // an update rings again; a cancel does not
    }
    return { title: title, options: options };
  }

  // -------------------------------------------------------------- events

  function push(event) {
    var msg = null;
    try {
      msg = event.data ? event.data.json() : null;
    } catch (e) {
      msg = null;
    }
    if (!msg || typeof msg !== "object") {
      // Not an alert this worker can read. Browsers expect a notification
      // for every push; say where to look.
      return self.registration.showNotification("Vigie", { tag: "vigie", data: { url: "/subscribe" } });
    }
    var n = notification(msg);
    var tag = n.options.tag;
    var none = function () { return null; };
    return Promise.all([idbGet(IDB_KEY).catch(none), idbGet(SHOWN_KEY).catch(none)]).then(function (got) {
      var saved = got[0], shown = got[1] || {};
      // In the cells, or the chain of an alert shown here (an Update or a
      // Cancel replaces it, even if its area no longer covers the cells).
      var seen = !!(tag && shown[tag] && shown[tag].until > Date.now());
      if (!decide(msg, saved && saved.cells) && !seen) {
        return null;
      }
      return self.registration.showNotification(n.title, n.options).then(function () {
        return tag ? remember(tag, msg).catch(none) : null;
      });
    });
  }

  function click(event) {
    event.notification.close();
    var raw = (event.notification.data && event.notification.data.url) || "/subscribe";
    var url;
    try {
      url = new URL(raw, self.location.origin);
    } catch (e) {
      return;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      return;
    }
    event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      for (var i = 0; i < list.length; i++) {
        if (list[i].url === url.href && list[i].focus) {
          return list[i].focus();
        }
      }
      return self.clients.openWindow(url.href);
    }));
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

  // resubscribe answers pushsubscriptionchange: the push service replaced
  // or dropped the subscription. Subscribe again if need be, send the new
  // one with the same cells and language, and forget the old one.
  function resubscribe(event) {
    var saved;
    return idbGet(IDB_KEY).then(function (s) {
      saved = s;
      if (!saved || !Array.isArray(saved.cells) || !saved.cells.length) {
        return null; // not subscribed through the page
      }
      if (event.newSubscription) {
        return event.newSubscription;
      }
      var oldKey = event.oldSubscription && event.oldSubscription.options && event.oldSubscription.options.applicationServerKey;
      return fetch("/push/vapid").then(function (res) {
        if (!res.ok) {
          throw new Error("GET /push/vapid: " + res.status);
        }
        return res.json();
      }).then(function (body) {
        return b64urlBytes(body.public_key);
      }).catch(function (e) {
        if (oldKey) {
          return oldKey;
        }
        throw e;
      }).then(function (key) {
        return self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      });
    }).then(function (sub) {
      if (!sub) {
        return null;
      }
      return fetch("/push/subscriptions", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ subscription: sub.toJSON(), cells: saved.cells, lang: saved.lang })
      }).then(function (res) {
        if (res.status !== 201 && res.status !== 200) {
          throw new Error("POST /push/subscriptions: " + res.status);
        }
        return res.json();
      }).then(function (body) {
        var old = saved.id;
        var next = { id: body.id, token: body.token, cells: saved.cells, lang: saved.lang };
        return idbPut(next).then(function () {
          if (old !== undefined && old !== null && old !== body.id && saved.token) {
            return fetch("/push/subscriptions/" + encodeURIComponent(old), {
              method: "DELETE",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ token: saved.token })
            }).catch(function () {});
          }
        });
      });
    });
  }

  self.vigiePush = {
    cellBounds: cellBounds,
    parsePolygon: parsePolygon,
    parseCircle: parseCircle,
    pointInPolygon: pointInPolygon,
    rectTouchesPolygon: rectTouchesPolygon,
    rectTouchesCircle: rectTouchesCircle,
    decide: decide,
    notification: notification
  };

  // Loaded as a plain script (the tests), only the functions above matter.
  if (typeof ServiceWorkerGlobalScope === "undefined" || !(self instanceof ServiceWorkerGlobalScope)) {
    return;
  }

  self.addEventListener("install", function () {
    self.skipWaiting(); // nothing to cache: a new version takes over at once
  });
  self.addEventListener("activate", function (event) {
    event.waitUntil(self.clients.claim());
  });
  self.addEventListener("push", function (event) {
    event.waitUntil(push(event));
  });
  self.addEventListener("notificationclick", click);
  self.addEventListener("pushsubscriptionchange", function (event) {
    event.waitUntil(resubscribe(event));
  });
})();
