// Vigie maps, on top of Leaflet (leaflet.js, loaded before this file).
//
// Every element with a data-map-mode attribute becomes a map. Everything is
// configured from data-* attributes on that element, so pages need no inline
// script (the Content-Security-Policy forbids them) and no global settings:
//
//   data-map-mode        draw | show | cells
//   data-tiles           tile URL template, default /tiles/{z}/{x}/{y}.png; it
//                        must be on this site (tiles never come from the
//                        internet); an empty value shows no tiles
//   data-attribution     attribution text (plain text, shown escaped)
//   data-center          "lat,lon" of the first view (default 46.6,2.4: France)
//   data-zoom            zoom of the first view (default 5)
//   data-min-zoom, data-max-zoom   zoom limits (default 0 and 18)
//   data-tiles-max-zoom   deepest zoom of the tile server (default 14, as the
//                        tiles package); deeper, its tiles are enlarged
//   data-label-*         the widget's strings, translated by the server (see
//                        LABELS below for the keys and the English defaults)
//
// draw (authority writing an alert): polygons and circles, written to the
// form inputs named by data-input-polygons (one CAP polygon a line,
// "lat,lon lat,lon ...", latitude first, closed, 4 decimals) and
// data-input-circles (one CAP circle a line, "lat,lon radius_km"). Their
// values at start are drawn, so an alert can be edited. Each change fires a
// bubbling "change" event on the input, for hx-trigger="change".
// data-radius: radius in km of a new circle (default 1).
//
// show (alert pages): data-polygons and data-circles (same formats) and the
// GeoJSON at data-geojson-url (same site only), fitted into view.
//
// cells (public subscription page): geohash cells (data-cells-precision,
// default 5, about 4.9 km) shown as a grid from zoom data-cells-min-zoom
// (default 9; a click at a lower zoom zooms in); a click toggles a cell; the
// selection goes to the input named by data-input-cells (tokens separated by
// commas). data-cells pre-selects cells; data-max-cells limits how many can
// be chosen. "Use my location" selects the cell of the browser's position,
// computed in the browser: only the token is sent.
//
// Maps are set up on DOMContentLoaded and on htmx:load for content that htmx
// swaps in; setting up twice does nothing. A map whose element htmx removes
// is torn down. The element gets a property vigieMap (the Leaflet map is
// vigieMap.map) for other scripts and for the tests.
(function () {
  "use strict";

  var L = window.L;
  if (!L) {
    return;
  }

  var LABELS = {
    "map": "Map",
    "zoom-in": "Zoom in",
    "zoom-out": "Zoom out",
    "polygon": "Polygon",
    "circle": "Circle",
    "place": "Add point at map centre",
    "undo": "Undo",
    "finish": "Finish polygon",
    "clear": "Clear",
    "radius": "Radius (km)",
    "polygon-hint": "Click the map to add points; click the first point, double-click or press Finish to close the polygon.",
    "circle-hint": "Click the centre of the circle, or press and drag to set its radius.",
    "too-few": "A polygon needs at least 3 points.",
    "self-intersect": "Warning: this polygon crosses itself.",
    "cells-hint": "Zoom in to choose cells.",
    "cells-help": "Click the map to select or deselect a cell.",
    "select-centre": "Select the cell at the map centre",
    "selected": "Selected cells:",
    "none-selected": "No cell selected.",
    "remove": "Remove",
    "max-cells": "You cannot select more cells.",
    "locate": "Use my location",
    "locating": "Looking for your position…",
    "locate-error": "Your position is not available."
  };

  var DEFAULT_CENTER = [46.6, 2.4];
  var DEFAULT_ZOOM = 5;
  var DEFAULT_TILES = "/tiles/{z}/{x}/{y}.png";
  var FIT = { padding: [16, 16], maxZoom: 14 };

  // ---------------------------------------------------------------- geohash

  var BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz";

  // geohashEncode returns the standard base32 geohash of a point: bits
  // alternate longitude, latitude, starting with longitude; each bit halves
  // the interval, 1 for the upper half (bound included).
  function geohashEncode(lat, lon, precision) {
    lat = Math.max(-90, Math.min(90, lat));
    lon = wrapLon(lon);
    var latLo = -90, latHi = 90, lonLo = -180, lonHi = 180;
    var hash = "", bits = 0, ch = 0, even = true, mid;
    while (hash.length < precision) {
      ch <<= 1;
      if (even) {
        mid = (lonLo + lonHi) / 2;
        if (lon >= mid) {
          ch |= 1;
          lonLo = mid;
        } else {
          lonHi = mid;
        }
      } else {
        mid = (latLo + latHi) / 2;
        if (lat >= mid) {
          ch |= 1;
          latLo = mid;
        } else {
          latHi = mid;
        }
      }
      even = !even;
      if (++bits === 5) {
        hash += BASE32.charAt(ch);
        bits = 0;
        ch = 0;
      }
    }
    return hash;
  }

  // geohashBounds returns [[south, west], [north, east]] of a cell, or null
  // for a string that is not a geohash.
  function geohashBounds(hash) {
    var latLo = -90, latHi = 90, lonLo = -180, lonHi = 180, even = true;
    if (!hash) {
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
    return [[latLo, lonLo], [latHi, lonHi]];
  }

  // cellSize returns the size in degrees of a geohash cell of a precision.
  function cellSize(precision) {
    var bits = 5 * precision;
    return {
      lon: 360 / Math.pow(2, Math.ceil(bits / 2)),
      lat: 180 / Math.pow(2, Math.floor(bits / 2))
    };
  }

  // --------------------------------------------------------- CAP text forms

  function wrapLon(lon) {
    if (lon >= -180 && lon < 180) {
      return lon;
    }
    return ((((lon + 180) % 360) + 360) % 360) - 180;
  }

  function deg(n) {
    var s = n.toFixed(4);
    return s === "-0.0000" ? "0.0000" : s;
  }

  function pairText(ll) {
    return deg(ll.lat) + "," + deg(wrapLon(ll.lng));
  }

  function kmText(km) {
    return km.toFixed(2).replace(/\.?0+$/, "");
  }

  // polygonText writes a CAP polygon: latitude first, first pair repeated
  // at the end.
  function polygonText(latlngs) {
    var parts = latlngs.map(pairText);
    parts.push(parts[0]);
    return parts.join(" ");
  }

  function circleText(c) {
    return pairText(c.center) + " " + kmText(c.km);
  }

  function parsePair(tok) {
    var m = /^\s*(-?\d+(?:\.\d*)?)\s*,\s*(-?\d+(?:\.\d*)?)\s*$/.exec(tok);
    if (!m) {
      return null;
    }
    var lat = parseFloat(m[1]), lon = parseFloat(m[2]);
    if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
      return null;
    }
    return L.latLng(lat, lon);
  }

  function lines(text) {
    return String(text || "").split(/\r\n|\r|\n/).filter(function (s) {
      return s.trim() !== "";
    });
  }

  // parsePolygons reads CAP polygons, one a line, and returns their vertices
  // without the closing pair. Lines that are not polygons are skipped.
  function parsePolygons(text) {
    var out = [];
    lines(text).forEach(function (line) {
      var pts = [];
      var toks = line.trim().split(/\s+/);
      for (var i = 0; i < toks.length; i++) {
        var p = parsePair(toks[i]);
        if (!p) {
          return;
        }
        pts.push(p);
      }
      if (pts.length > 1 && pts[0].equals(pts[pts.length - 1], 0)) {
        pts.pop();
      }
      if (pts.length >= 3) {
        out.push(pts);
      }
    });
    return out;
  }

  // parseCircles reads CAP circles ("lat,lon radius_km"), one a line.
  function parseCircles(text) {
    var out = [];
    lines(text).forEach(function (line) {
      var m = /^\s*(\S+)\s+(\d+(?:\.\d*)?)\s*$/.exec(line);
      var c = m && parsePair(m[1]);
      if (c) {
        out.push({ center: c, km: parseFloat(m[2]) });
      }
    });
    return out;
  }

  // crossesItself reports whether two non-adjacent edges of a ring cross
  // (CAP consumers such as Google's validator reject such polygons).
  function crossesItself(pts) {
    function orient(a, b, c) {
      var v = (b.lng - a.lng) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lng - a.lng);
      return v > 0 ? 1 : v < 0 ? -1 : 0;
    }
    var n = pts.length;
    for (var i = 0; i < n; i++) {
      var a = pts[i], b = pts[(i + 1) % n];
      for (var j = i + 2; j < n; j++) {
        if (i === 0 && j === n - 1) {
          continue; // adjacent through the closing edge
        }
        var c = pts[j], d = pts[(j + 1) % n];
        if (orient(a, b, c) * orient(a, b, d) < 0 && orient(c, d, a) * orient(c, d, b) < 0) {
          return true;
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- helpers

  function make(tag, cls, parent, text) {
    var el = document.createElement(tag);
    if (cls) {
      el.className = cls;
    }
    if (text != null) {
      el.textContent = text;
    }
    if (parent) {
      parent.appendChild(el);
    }
    return el;
  }

  function escapeHTML(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function num(s, def) {
    var v = parseFloat(s);
    return isFinite(v) ? v : def;
  }

  function sameSite(url) {
    try {
      return new URL(url, location.href).origin === location.origin;
    } catch (e) {
      return false;
    }
  }

  // findInput finds the form field called name: in the map's form first,
  // then in the page (by name, then by id).
  function findInput(el, name) {
    if (!name) {
      return null;
    }
    var form = el.closest("form");
    var f = form && form.elements.namedItem(name);
    if (f && window.RadioNodeList && f instanceof RadioNodeList) {
      f = f[0]; // several fields of that name: the first one
    }
    return f || document.querySelector("[name=\"" + CSS.escape(name) + "\"]") || document.getElementById(name);
  }

  // setInput writes a value and tells the page (htmx) about it.
  function setInput(input, value) {
    if (input && input.value !== value) {
      input.value = value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  // ------------------------------------------------------------------ tiles

  // TileLayer is Leaflet's, except for one thing: to cancel the download of
  // a tile it drops, Leaflet 1.9.4 points the image at a data: URL, which
  // the Content-Security-Policy (img-src 'self') blocks and reports as an
  // error. Removing the src attribute cancels the download just as well.
  // The two methods are those of Leaflet 1.9.4 with that one change.
  var TileLayer = L.TileLayer.extend({
    _abortLoading: function () {
      for (var i in this._tiles) {
        if (this._tiles[i].coords.z !== this._tileZoom) {
          var tile = this._tiles[i].el;
          tile.onload = L.Util.falseFn;
          tile.onerror = L.Util.falseFn;
          if (!tile.complete) {
            tile.removeAttribute("src");
            var coords = this._tiles[i].coords;
            L.DomUtil.remove(tile);
            delete this._tiles[i];
            this.fire("tileabort", { tile: tile, coords: coords });
          }
        }
      }
    },
    _removeTile: function (key) {
      var tile = this._tiles[key];
      if (!tile) {
        return;
      }
      tile.el.removeAttribute("src");
      return L.GridLayer.prototype._removeTile.call(this, key);
    }
  });

  // canLocate reports whether the page may ask for the position: a secure
  // context, and a Permissions-Policy that allows geolocation (where the
  // browser tells; otherwise the error is reported after the click).
  function canLocate() {
    if (!navigator.geolocation || window.isSecureContext === false) {
      return false;
    }
    var fp = document.featurePolicy;
    return !(fp && fp.allowsFeature && !fp.allowsFeature("geolocation"));
  }

  // ----------------------------------------------------------------- widget

  function Widget(el) {
    var self = this;
    this.el = el;
    this.mode = el.getAttribute("data-map-mode");
    this.rtl = getComputedStyle(el).direction === "rtl";

    // What an earlier set-up left behind (a page restored from a copy).
    var old = el.querySelectorAll("[data-map-generated]");
    for (var i = 0; i < old.length; i++) {
      old[i].remove();
    }
    var fallback = el.querySelectorAll("[data-map-fallback]");
    for (var k = 0; k < fallback.length; k++) {
      fallback[k].hidden = true;
    }
    el.classList.add("vigie-map");

    this.tools = make("div", "vigie-map-tools", el);
    this.tools.setAttribute("data-map-generated", "");
    this.canvas = make("div", "vigie-map-canvas", el);
    this.canvas.setAttribute("data-map-generated", "");
    this.canvas.setAttribute("dir", "ltr"); // Leaflet lays out in left-to-right only
    this.canvas.setAttribute("role", "region");
    this.canvas.setAttribute("aria-label", this.label("map"));
    this.status = make("p", "vigie-map-status", el);
    this.status.setAttribute("data-map-generated", "");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");

    var center = DEFAULT_CENTER;
    var c = parsePair(el.getAttribute("data-center") || "");
    if (c) {
      center = [c.lat, c.lng];
    }
    var map = this.map = L.map(this.canvas, {
      zoomControl: false,
      attributionControl: false,
      scrollWheelZoom: false, // until the map has the focus: no trap while scrolling the page
      minZoom: num(el.getAttribute("data-min-zoom"), 0),
      maxZoom: num(el.getAttribute("data-max-zoom"), 18)
    });
    map.setView(center, num(el.getAttribute("data-zoom"), DEFAULT_ZOOM));
    // In a right-to-left page the controls go to the start side (right).
    L.control.zoom({
      position: this.rtl ? "topright" : "topleft",
      zoomInTitle: this.label("zoom-in"),
      zoomOutTitle: this.label("zoom-out")
    }).addTo(map);
    L.control.attribution({ position: this.rtl ? "bottomleft" : "bottomright" }).addTo(map);

    var tiles = el.hasAttribute("data-tiles") ? el.getAttribute("data-tiles") : DEFAULT_TILES;
    if (tiles && !sameSite(tiles.replace(/\{[^}]*\}/g, "0"))) {
      console.warn("vigie map: tiles must come from this site, not " + tiles);
      tiles = "";
    }
    if (tiles) {
      new TileLayer(tiles, {
        attribution: escapeHTML(el.getAttribute("data-attribution") || ""),
        minZoom: map.getMinZoom(),
        maxZoom: map.getMaxZoom(),
        // Deeper than the tile server goes, its deepest tiles are enlarged.
        maxNativeZoom: Math.min(map.getMaxZoom(), num(el.getAttribute("data-tiles-max-zoom"), 14))
      }).addTo(map);
    }

    this.canvas.addEventListener("focus", function () {
      map.scrollWheelZoom.enable();
    });
    this.canvas.addEventListener("blur", function () {
      map.scrollWheelZoom.disable();
    });

    // A map set up while hidden (a closed <details>, a tab) has no size:
    // measure again when it gets one, and fit what waits to be fitted.
    this.pendingFit = null;
    if (window.ResizeObserver) {
      this.resize = new ResizeObserver(function () {
        map.invalidateSize();
        if (self.pendingFit && self.sized()) {
          var b = self.pendingFit;
          self.pendingFit = null;
          map.fitBounds(b, FIT);
        }
      });
      this.resize.observe(this.canvas);
    }

    var modes = { draw: DrawMode, show: ShowMode, cells: CellsMode };
    (modes[this.mode] || ShowMode).call(this);
  }

  Widget.prototype.label = function (key) {
    var v = this.el.getAttribute("data-label-" + key);
    return v != null && v !== "" ? v : LABELS[key];
  };

  Widget.prototype.say = function (text) {
    this.status.textContent = text || "";
  };

  Widget.prototype.sized = function () {
    return this.canvas.clientWidth > 0 && this.canvas.clientHeight > 0;
  };

  Widget.prototype.fit = function (bounds) {
    if (!bounds || !bounds.isValid()) {
      return;
    }
    if (this.sized()) {
      this.map.fitBounds(bounds, FIT);
    } else {
      this.pendingFit = bounds;
    }
  };

  // button adds a toolbar button; aria-disabled rather than disabled keeps
  // it in the tab order and keeps the focus on it when it stops applying.
  Widget.prototype.button = function (key, onClick, parent) {
    var b = make("button", "btn secondary vigie-map-btn", parent || this.tools, this.label(key));
    b.type = "button"; // not a submit button of the alert form
    b.setAttribute("data-map-action", key);
    b.addEventListener("click", function (e) {
      if (b.getAttribute("aria-disabled") === "true") {
        e.preventDefault();
        return;
      }
      onClick(e);
    });
    return b;
  };

  function enable(b, on) {
    if (on) {
      b.removeAttribute("aria-disabled");
    } else {
      b.setAttribute("aria-disabled", "true");
    }
  }

  Widget.prototype.destroy = function () {
    if (this.cleanup) {
      this.cleanup();
    }
    if (this.resize) {
      this.resize.disconnect();
    }
    this.map.remove();
    delete this.el.vigieMap;
  };

  // handleIcon is a handle drawn by CSS (Leaflet's image markers are not
  // used: their images are not served).
  function handleIcon(cls) {
    return L.divIcon({ className: "vigie-map-handle " + cls, iconSize: [14, 14] });
  }

  // --------------------------------------------------------------- draw mode

  function DrawMode() {
    var w = this, map = this.map, el = this.el;
    var polyInput = findInput(el, el.getAttribute("data-input-polygons"));
    var circleInput = findInput(el, el.getAttribute("data-input-circles"));
    var shapes = [];     // {kind, layer, handles, latlngs | center, km}
    var tool = null;     // "polygon", "circle" or null
    var drawing = null;  // the polygon being drawn: {latlngs, handles, line}
    var pending = null;  // the circle being dragged out: {center, start, layer, km, dragged}
    var selected = null; // the circle that the radius field edits

    var bPolygon = polyInput ? this.button("polygon", function () { toggleTool("polygon"); }) : null;
    var bCircle = circleInput ? this.button("circle", function () { toggleTool("circle"); }) : null;
    var bPlace = this.button("place", place);
    var bFinish = this.button("finish", finish);
    var bUndo = this.button("undo", undo);
    var bClear = this.button("clear", clear);
    var radiusBox = make("label", "vigie-map-radius", circleInput ? this.tools : null);
    make("span", "", radiusBox, this.label("radius"));
    var radius = make("input", "", radiusBox);
    radius.type = "number";
    radius.min = "0";
    radius.max = "1000";
    radius.step = "0.1";
    radius.inputMode = "decimal";
    radius.value = kmText(Math.max(0, num(el.getAttribute("data-radius"), 1)));
    if (bPolygon) {
      bPolygon.setAttribute("aria-pressed", "false");
    }
    if (bCircle) {
      bCircle.setAttribute("aria-pressed", "false");
    }

    function radiusKm() {
      return Math.min(1000, Math.max(0, num(radius.value, 1)));
    }

    function refresh() {
      if (bPolygon) {
        bPolygon.setAttribute("aria-pressed", String(tool === "polygon"));
      }
      if (bCircle) {
        bCircle.setAttribute("aria-pressed", String(tool === "circle"));
      }
      enable(bPlace, tool !== null);
      enable(bFinish, !!drawing && drawing.latlngs.length >= 3);
      enable(bUndo, (!!drawing && drawing.latlngs.length > 0) || (!tool && shapes.length > 0));
      enable(bClear, shapes.length > 0 || !!drawing);
      w.canvas.classList.toggle("vigie-map-drawing", tool !== null);
    }

    function write() {
      var polys = [], circles = [];
      shapes.forEach(function (s) {
        if (s.kind === "polygon") {
          polys.push(polygonText(s.latlngs));
        } else {
          circles.push(circleText(s));
        }
      });
      setInput(polyInput, polys.join("\n"));
      setInput(circleInput, circles.join("\n"));
    }

    // ---- tools

    function toggleTool(name) {
      var was = tool;
      stopTool();
      if (was !== name) {
        startTool(name);
      } else {
        w.say("");
      }
    }

    function startTool(name) {
      tool = name;
      map.doubleClickZoom.disable(); // a double click closes the polygon
      if (name === "circle") {
        map.dragging.disable(); // press and drag sets the radius
      }
      w.say(w.label(name + "-hint"));
      refresh();
    }

    function stopTool() {
      cancelDrawing();
      cancelPending();
      tool = null;
      map.doubleClickZoom.enable();
      map.dragging.enable();
      refresh();
    }

    // place adds the map centre: for keyboard users, who move the map with
    // the arrow keys to put the cross on the place they want.
    function place() {
      if (tool === "polygon") {
        addVertex(map.getCenter(), true);
      } else if (tool === "circle") {
        var s = addCircle(map.getCenter(), radiusKm());
        select(s);
        stopTool();
        w.say("");
        write();
      }
    }

    // ---- polygons

    function addVertex(latlng, force) {
      if (!drawing) {
        drawing = { latlngs: [], handles: [], line: L.polyline([], { className: "vigie-map-preview", interactive: false }).addTo(map) };
      }
      var pts = drawing.latlngs;
      if (!force && pts.length) {
        // The second click of a double click lands on the point just added.
        var a = map.latLngToContainerPoint(pts[pts.length - 1]);
        if (a.distanceTo(map.latLngToContainerPoint(latlng)) < 5) {
          return;
        }
      }
      pts.push(latlng);
      var first = pts.length === 1;
      var h = L.marker(latlng, {
        icon: handleIcon(first ? "vigie-map-vertex vigie-map-first" : "vigie-map-vertex"),
        draggable: true,
        keyboard: false,
        bubblingMouseEvents: false
      }).addTo(map);
      var idx = pts.length - 1;
      h.on("drag", function () {
        if (drawing) {
          drawing.latlngs[idx] = h.getLatLng();
          drawing.line.setLatLngs(drawing.latlngs);
        }
      });
      if (first) {
        h.on("click", finish); // clicking the first point closes the ring
      }
      drawing.handles.push(h);
      drawing.line.setLatLngs(pts);
      refresh();
    }

    function cancelDrawing() {
      if (drawing) {
        drawing.handles.forEach(function (h) { map.removeLayer(h); });
        map.removeLayer(drawing.line);
        drawing = null;
      }
    }

    function finish() {
      if (!drawing || drawing.latlngs.length < 3) {
        w.say(w.label("too-few"));
        return;
      }
      var pts = drawing.latlngs.slice();
      stopTool();
      addPolygon(pts);
      w.say(crossesItself(pts) ? w.label("self-intersect") : "");
      write();
    }

    function addPolygon(latlngs) {
      var s = { kind: "polygon", latlngs: latlngs, handles: [] };
      s.layer = L.polygon(latlngs, { className: "vigie-map-shape", interactive: false }).addTo(map);
      latlngs.forEach(function (ll, i) {
        var h = L.marker(ll, { icon: handleIcon("vigie-map-vertex"), draggable: true, keyboard: false }).addTo(map);
        h.on("drag", function () {
          s.latlngs[i] = h.getLatLng();
          s.layer.setLatLngs(s.latlngs);
        });
        h.on("dragend", function () {
          w.say(crossesItself(s.latlngs) ? w.label("self-intersect") : "");
          write();
        });
        s.handles.push(h);
      });
      shapes.push(s);
      refresh();
      return s;
    }

    // ---- circles

    function addCircle(center, km) {
      var s = { kind: "circle", center: center, km: km };
      s.layer = L.circle(center, { radius: km * 1000, className: "vigie-map-shape", interactive: false }).addTo(map);
      var hc = L.marker(center, { icon: handleIcon("vigie-map-centre"), draggable: true, keyboard: false }).addTo(map);
      var hr = L.marker(edge(s), { icon: handleIcon("vigie-map-edge"), draggable: true, keyboard: false }).addTo(map);
      s.handles = [hc, hr];
      hc.on("click dragstart", function () { select(s); });
      hc.on("drag", function () {
        s.center = hc.getLatLng();
        s.layer.setLatLng(s.center);
        hr.setLatLng(edge(s));
      });
      hc.on("dragend", write);
      hr.on("dragstart", function () { select(s); });
      hr.on("drag", function () {
        s.km = s.center.distanceTo(hr.getLatLng()) / 1000;
        s.layer.setRadius(s.km * 1000);
        radius.value = kmText(s.km);
      });
      hr.on("dragend", function () {
        s.km = Math.round(s.km * 100) / 100;
        hr.setLatLng(edge(s));
        write();
      });
      shapes.push(s);
      refresh();
      return s;
    }

    // edge is the point of a circle's rim east of its centre.
    function edge(s) {
      var dLon = s.km / (111.32 * Math.max(0.01, Math.cos(s.center.lat * Math.PI / 180)));
      return L.latLng(s.center.lat, s.center.lng + dLon);
    }

    function select(s) {
      var icon = selected && selected.handles[0].getElement();
      if (icon) {
        icon.classList.remove("vigie-map-selected");
      }
      selected = s;
      if (s) {
        radius.value = kmText(s.km);
        icon = s.handles[0].getElement();
        if (icon) {
          icon.classList.add("vigie-map-selected");
        }
      }
    }

    function setRadius(s, km) {
      s.km = km;
      s.layer.setRadius(km * 1000);
      s.handles[1].setLatLng(edge(s));
    }

    radius.addEventListener("input", function () {
      if (selected && !tool) {
        setRadius(selected, radiusKm());
      }
    });
    radius.addEventListener("change", function () {
      if (selected && !tool) {
        setRadius(selected, radiusKm());
        write();
      }
    });
    // Enter in the radius field must not submit the alert form.
    radius.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        radius.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });

    function cancelPending() {
      if (pending) {
        map.removeLayer(pending.layer);
        pending = null;
      }
      document.removeEventListener("mouseup", endPending);
    }

    function endPending() {
      if (!pending) {
        return;
      }
      var p = pending;
      var km = p.dragged ? Math.round(p.km * 100) / 100 : radiusKm();
      cancelPending();
      stopTool();
      select(addCircle(p.center, km));
      w.say("");
      write();
    }

    map.on("mousedown", function (e) {
      if (tool !== "circle" || (e.originalEvent && e.originalEvent.button !== 0)) {
        return;
      }
      cancelPending();
      pending = {
        center: e.latlng,
        start: e.containerPoint,
        km: radiusKm(),
        dragged: false
      };
      pending.layer = L.circle(e.latlng, { radius: pending.km * 1000, className: "vigie-map-shape vigie-map-preview", interactive: false }).addTo(map);
      document.addEventListener("mouseup", endPending);
    });
    map.on("mousemove", function (e) {
      if (!pending) {
        return;
      }
      if (!pending.dragged && e.containerPoint.distanceTo(pending.start) < 5) {
        return;
      }
      pending.dragged = true;
      pending.km = pending.center.distanceTo(e.latlng) / 1000;
      pending.layer.setRadius(pending.km * 1000);
      radius.value = kmText(pending.km);
    });

    // ---- clicks, keys, undo, clear

    map.on("click", function (e) {
      if (tool === "polygon") {
        addVertex(e.latlng, false);
      }
    });
    map.on("dblclick", function () {
      if (tool === "polygon") {
        finish();
      }
    });

    this.canvas.addEventListener("keydown", function (e) {
      if (e.target !== w.canvas || !tool) {
        return;
      }
      if (e.key === "Enter") {
        e.preventDefault(); // and no form submission
        place();
      } else if (e.key === "Escape") {
        e.preventDefault();
        stopTool();
        w.say("");
      } else if (e.key === "Backspace" && drawing) {
        e.preventDefault();
        undo();
      }
    });

    function removeShape(s) {
      map.removeLayer(s.layer);
      s.handles.forEach(function (h) { map.removeLayer(h); });
      shapes.splice(shapes.indexOf(s), 1);
      if (selected === s) {
        select(null);
      }
    }

    // undo removes the last point of the polygon being drawn or, when none
    // is being drawn, the last shape.
    function undo() {
      if (drawing && drawing.latlngs.length) {
        drawing.latlngs.pop();
        map.removeLayer(drawing.handles.pop());
        drawing.line.setLatLngs(drawing.latlngs);
        refresh();
        return;
      }
      if (!tool && shapes.length) {
        removeShape(shapes[shapes.length - 1]);
        refresh();
        w.say("");
        write();
      }
    }

    function clear() {
      stopTool();
      while (shapes.length) {
        removeShape(shapes[shapes.length - 1]);
      }
      refresh();
      w.say("");
      write();
    }

    // ---- start: draw what the inputs already hold (editing an alert)

    var bounds = L.latLngBounds([]);
    if (polyInput) {
      parsePolygons(polyInput.value).forEach(function (pts) {
        bounds.extend(addPolygon(pts).layer.getBounds());
      });
    }
    if (circleInput) {
      parseCircles(circleInput.value).forEach(function (c) {
        bounds.extend(addCircle(c.center, c.km).layer.getBounds());
      });
    }
    this.fit(bounds);
    refresh();
    this.cleanup = cancelPending;
  }

  // --------------------------------------------------------------- show mode

  function ShowMode() {
    var w = this, map = this.map, el = this.el;
    var group = L.featureGroup().addTo(map);
    var opts = { className: "vigie-map-shape", interactive: false };
    parsePolygons(el.getAttribute("data-polygons")).forEach(function (pts) {
      L.polygon(pts, opts).addTo(group);
    });
    parseCircles(el.getAttribute("data-circles")).forEach(function (c) {
      L.circle(c.center, L.extend({ radius: c.km * 1000 }, opts)).addTo(group);
    });
    this.tools.hidden = true;
    this.status.hidden = true;
    this.fit(group.getBounds());

    var url = el.getAttribute("data-geojson-url");
    if (url && sameSite(url)) {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
        .then(function (r) {
          if (!r.ok) {
            throw new Error("HTTP " + r.status);
          }
          return r.json();
        })
        .then(function (data) {
          if (!w.el.vigieMap) {
            return; // torn down meanwhile
          }
          L.geoJSON(data, {
            style: function () { return opts; },
            // Points as circles: Leaflet's image markers are not served.
            pointToLayer: function (f, ll) {
              return L.circleMarker(ll, { radius: 6, className: "vigie-map-shape vigie-map-point", interactive: false });
            }
          }).addTo(group);
          w.fit(group.getBounds());
        })
        .catch(function (err) {
          console.warn("vigie map: " + url + ": " + err.message);
        });
    }
  }

  // -------------------------------------------------------------- cells mode

  function CellsMode() {
    var w = this, map = this.map, el = this.el;
    var input = findInput(el, el.getAttribute("data-input-cells"));
    var precision = Math.round(Math.min(8, Math.max(1, num(el.getAttribute("data-cells-precision"), 5))));
    var minZoom = num(el.getAttribute("data-cells-min-zoom"), 9);
    // Where a click at a lower zoom, or "Use my location", takes the map:
    // cells about 60 pixels wide, easy to aim at with a finger.
    var pickZoom = Math.min(map.getMaxZoom(), minZoom + 2);
    var maxCells = num(el.getAttribute("data-max-cells"), Infinity);
    var size = cellSize(precision);
    var selected = {}; // token -> rectangle
    var wasShown = null;

    if (canLocate()) {
      this.button("locate", locate);
    }
    var bCentre = this.button("select-centre", function () {
      if (map.getZoom() >= minZoom) {
        var c = map.getCenter();
        toggle(geohashEncode(c.lat, c.lng, precision));
      }
    });
    var listBox = make("div", "vigie-map-cells", this.el);
    listBox.setAttribute("data-map-generated", "");
    var listLabel = make("span", "vigie-map-cells-label", listBox);
    var list = make("ul", "", listBox);

    map.doubleClickZoom.disable(); // each click toggles a cell
    var grid = L.polyline([], { className: "vigie-map-grid", interactive: false }).addTo(map);
    var hover = null;

    function tokens() {
      return Object.keys(selected).sort();
    }

    function write() {
      var t = tokens();
      list.textContent = "";
      listLabel.textContent = t.length ? w.label("selected") : w.label("none-selected");
      t.forEach(function (tok) {
        var li = make("li", "", list);
        var b = make("button", "vigie-map-cell", li);
        b.type = "button";
        b.setAttribute("data-cell", tok);
        b.setAttribute("aria-label", w.label("remove") + " " + tok);
        make("span", "", b, tok).setAttribute("translate", "no");
        make("span", "vigie-map-cell-x", b, "×").setAttribute("aria-hidden", "true");
        b.addEventListener("click", function () {
          remove(tok);
          write();
          var next = list.querySelector("button") || bCentre;
          next.focus(); // the focus stays in the widget
        });
      });
      setInput(input, t.join(","));
    }

    function add(tok) {
      if (selected[tok]) {
        return true;
      }
      if (tokens().length >= maxCells) {
        w.say(w.label("max-cells"));
        return false;
      }
      selected[tok] = L.rectangle(geohashBounds(tok), { className: "vigie-map-cell-selected", interactive: false }).addTo(map);
      return true;
    }

    function remove(tok) {
      if (selected[tok]) {
        map.removeLayer(selected[tok]);
        delete selected[tok];
      }
    }

    function toggle(tok) {
      if (selected[tok]) {
        remove(tok);
      } else if (!add(tok)) {
        return;
      }
      write();
    }

    // drawGrid draws the cell borders in view as one path.
    function drawGrid() {
      var shown = map.getZoom() >= minZoom;
      if (shown !== wasShown) {
        wasShown = shown;
        w.say(w.label(shown ? "cells-help" : "cells-hint"));
        enable(bCentre, shown);
        w.canvas.classList.toggle("vigie-map-aim", shown);
      }
      if (!shown) {
        grid.setLatLngs([]);
        if (hover) {
          map.removeLayer(hover);
          hover = null;
        }
        return;
      }
      var b = map.getBounds().pad(0.05);
      var s = Math.max(-90, b.getSouth()), n = Math.min(90, b.getNorth());
      var we = Math.max(-180, b.getWest()), e = Math.min(180, b.getEast());
      var i0 = Math.floor((we + 180) / size.lon), i1 = Math.ceil((e + 180) / size.lon);
      var j0 = Math.floor((s + 90) / size.lat), j1 = Math.ceil((n + 90) / size.lat);
      if ((i1 - i0) + (j1 - j0) > 600) {
        grid.setLatLngs([]); // too many lines to be useful
        return;
      }
      var segs = [], i, j;
      for (i = i0; i <= i1; i++) {
        var lon = -180 + i * size.lon;
        segs.push([[s, lon], [n, lon]]);
      }
      for (j = j0; j <= j1; j++) {
        var lat = -90 + j * size.lat;
        segs.push([[lat, we], [lat, e]]);
      }
      grid.setLatLngs(segs);
    }

    map.on("zoomend moveend", drawGrid);
    map.on("click", function (e) {
      if (map.getZoom() < minZoom) {
        map.setView(e.latlng, pickZoom); // too small to aim at a cell: come closer
        return;
      }
      toggle(geohashEncode(e.latlng.lat, e.latlng.lng, precision));
    });
    map.on("mousemove", function (e) {
      if (map.getZoom() < minZoom) {
        return;
      }
      var bounds = geohashBounds(geohashEncode(e.latlng.lat, e.latlng.lng, precision));
      if (!hover) {
        hover = L.rectangle(bounds, { className: "vigie-map-cell-hover", interactive: false }).addTo(map);
      } else {
        hover.setBounds(bounds);
      }
    });
    map.on("mouseout", function () {
      if (hover) {
        map.removeLayer(hover);
        hover = null;
      }
    });
    this.canvas.addEventListener("keydown", function (e) {
      if (e.target === w.canvas && e.key === "Enter") {
        e.preventDefault();
        bCentre.click();
      }
    });

    // Privacy: the position is turned into a cell token here, in the
    // browser. Only the token goes into the form; the latitude and longitude
    // are never sent to the server, nor kept anywhere.
    function locate() {
      w.say(w.label("locating"));
      navigator.geolocation.getCurrentPosition(function (pos) {
        var tok = geohashEncode(pos.coords.latitude, pos.coords.longitude, precision);
        if (add(tok)) {
          write();
          w.say("");
        }
        map.setView(L.latLngBounds(geohashBounds(tok)).getCenter(), Math.max(pickZoom, map.getZoom()));
      }, function () {
        w.say(w.label("locate-error"));
      }, { enableHighAccuracy: false, timeout: 20000, maximumAge: 600000 });
    }

    // Start: the cells of data-cells and of the input.
    var start = (el.getAttribute("data-cells") || "") + "," + (input ? input.value : "");
    var bounds = L.latLngBounds([]);
    start.split(/[\s,]+/).forEach(function (tok) {
      tok = tok.toLowerCase();
      var b = tok.length === precision && geohashBounds(tok);
      if (b && add(tok)) {
        bounds.extend(b);
      }
    });
    write();
    this.fit(bounds);
    drawGrid();
  }

  // ------------------------------------------------------------------ set-up

  function init(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    var els = Array.prototype.slice.call(root.querySelectorAll("[data-map-mode]"));
    if (root.matches && root.matches("[data-map-mode]")) {
      els.unshift(root);
    }
    els.forEach(function (el) {
      if (!el.vigieMap) {
        el.vigieMap = new Widget(el);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (e) {
    init(e.target);
  });
  document.addEventListener("htmx:beforeCleanupElement", function (e) {
    if (e.target && e.target.vigieMap) {
      e.target.vigieMap.destroy();
    }
  });
})();
