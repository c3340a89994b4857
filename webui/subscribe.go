package webui

// The public subscription page (/subscribe) and its service worker
// (/sw.js): anyone, without an account, chooses map cells and a language
// and subscribes their browser to the alerts of those cells by Web Push.
//
// Privacy: the page sends the server the cells (geohash tokens of about
// 5 km) and never a position; "Use my location" is turned into a cell in
// the browser (static/map.js). The alert's exact area travels in the push
// message, and the service worker checks it against the chosen cells on
// the device (static/sw.js), so the server never learns where anyone is.
//
// Everything else is JavaScript (static/subscribe.js) talking to the API,
// which the server registers on the same mux (httpapi):
//
//	GET    /push/vapid              {"public_key": "<base64url P-256 point>"}
//	POST   /push/subscriptions      {"subscription", "cells", "lang"} → 201 {"id", "token"}
//	DELETE /push/subscriptions/{id} {"token"} → 204
//	GET    /alerts/live?cells=…&lang=…  Server-Sent Events, "event: alert"

import (
	"bytes"
	"net/http"
	"slices"
	"time"

	"github.com/vigie-project/vigie/tiles"
)

const (
	// subscribePermissions is the Permissions-Policy of the subscription
	// page: like every page's, except that it may ask for the position
	// ("Use my location"), which the browser turns into a cell itself.
	subscribePermissions = "camera=(), microphone=(), geolocation=(self)"
	// subscribeMaxCells is how many cells a subscription may hold
	// (push.MaxCells).
	subscribeMaxCells = 50
)

// defaultPushLanguages are the languages offered for the alerts when
// Config.PushLanguages is nil (push.Languages).
var defaultPushLanguages = []string{"fr", "en", "ar", "de", "es", "it", "nl", "pt"}

// languageNames are the languages' own names, for the language menu.
var languageNames = map[string]string{
	"ar": "العربية",
	"de": "Deutsch",
	"en": "English",
	"es": "Español",
	"fr": "Français",
	"it": "Italiano",
	"nl": "Nederlands",
	"pt": "Português",
}

// subscribeData is what the subscription page shows.
type subscribeData struct {
	Languages   []langOption
	Lang        string // the language chosen at first: the page's, if offered
	MaxCells    int
	Attribution string
}

// langOption is one language of the menu; Dir is set for right-to-left ones.
type langOption struct {
	Tag, Name, Dir string
}

// subscribePage serves GET /subscribe, to anyone.
func (u *ui) subscribePage(w http.ResponseWriter, r *http.Request) {
	v := &visit{L: pickLocale(r)}
	w.Header().Set("Permissions-Policy", subscribePermissions)
	langs := u.PushLanguages
	if len(langs) == 0 {
		langs = defaultPushLanguages
	}
	d := subscribeData{MaxCells: subscribeMaxCells, Attribution: tiles.Attribution, Lang: langs[0]}
	for _, tag := range langs {
		o := langOption{Tag: tag, Name: languageNames[tag]}
		if o.Name == "" {
			o.Name = tag
		}
		if tag == "ar" || tag == "fa" || tag == "he" || tag == "ur" {
			o.Dir = "rtl"
		}
		d.Languages = append(d.Languages, o)
	}
	if slices.Contains(langs, v.L.Tag) {
		d.Lang = v.L.Tag
	}
	u.render(w, r, http.StatusOK, "subscribe", "layout", u.page(r, v, "subscribe", "title.subscribe", d))
}

// serviceWorker serves GET /sw.js: the service worker must be served from
// the root for its scope to be the whole site, and must not be cached for
// long, so that a new version reaches browsers within a day (browsers check
// it at least that often, bypassing the HTTP cache for it anyway).
func (u *ui) serviceWorker(w http.ResponseWriter, r *http.Request) {
	as := u.assets.byName["sw.js"]
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", "/")
	h.Set("ETag", as.etag)
	http.ServeContent(w, r, "sw.js", time.Time{}, bytes.NewReader(as.body))
}
