package exports

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"
)

// Downloads: GET /exports/{id}/{file name}?expires=UNIX&signature=..., a
// link that works for LinkTTL and only for the caller who asked for the
// export, who must also send their own API key or token with it (a link
// that leaks is no use to anyone else). Range requests resume a download.

// Path is where the handler is mounted.
const Path = "/exports/"

// Link is a download link of a READY export, good until the time it gives.
func (x *Exports) Link(e Export) (string, time.Time) {
	expires := x.o.Now().Add(x.o.LinkTTL).Truncate(time.Second)
	q := url.Values{"expires": {strconv.FormatInt(expires.Unix(), 10)}, "signature": {x.sign(e.ID, e.Owner, expires.Unix())}}
	return Path + url.PathEscape(e.ID) + "/" + url.PathEscape(e.FileName) + "?" + q.Encode(), expires
}

func (x *Exports) sign(id, owner string, expires int64) string {
	mac := hmac.New(sha256.New, x.key)
	mac.Write([]byte(id + "\n" + owner + "\n" + strconv.FormatInt(expires, 10)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Caller is who sent a download request: their ID and name, or an error
// when they did not say who they are.
type Caller func(*http.Request) (id, name string, err error)

// Handler serves the download links; identify says who is asking.
func (x *Exports) Handler(identify Caller) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			refuse(w, http.StatusMethodNotAllowed, "downloads are GET requests")
			return
		}
		who, name, err := identify(r)
		if err != nil {
			refuse(w, http.StatusUnauthorized, err.Error())
			return
		}
		id := r.PathValue("id")
		e, ok := x.Get(id, who)
		if !ok {
			refuse(w, http.StatusNotFound, "no export of yours has this id")
			return
		}
		expires, _ := strconv.ParseInt(r.URL.Query().Get("expires"), 10, 64)
		if !hmac.Equal([]byte(r.URL.Query().Get("signature")), []byte(x.sign(e.ID, e.Owner, expires))) {
			refuse(w, http.StatusForbidden, "this download link is not valid")
			return
		}
		if x.o.Now().After(time.Unix(expires, 0)) {
			refuse(w, http.StatusForbidden, "this download link has expired: ask export(id) { downloadUrl } for a new one")
			return
		}
		if e.State != Ready {
			refuse(w, http.StatusConflict, "the export is "+string(e.State)+", not READY")
			return
		}
		f, err := os.Open(x.path(e.ID))
		if err != nil { // expired meanwhile
			refuse(w, http.StatusGone, "the export has expired")
			return
		}
		defer f.Close()
		x.o.Audit.InfoContext(r.Context(), "export download", "export", e.ID, "who", name, "restore_session", e.RestoreSessionID,
			"bytes", e.Bytes, "range", r.Header.Get("Range"))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.FileName}))
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", *e.Finished, f) // Range, If-Range, HEAD
	})
}

func refuse(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(message + "\n"))
}
