// Package playground serves GraphiQL, and an example dashboard, from files
// embedded in the binary, so both work on servers with no internet access.
// dist/ is generated: run `go generate ./playground` after changing src/ or
// package.json.
package playground

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:generate sh -c "npm ci --no-audit --no-fund && node build.mjs"

//go:embed index.html examples/dashboard.html examples/restore.html dist/playground.js dist/playground.css dist/dashboard.js dist/restore.js
var files embed.FS

// Handler serves the playground at the root, its bundle beside it, and the
// example dashboard under /examples/dashboard/, the example restore page
// under /examples/restore/. Mount it at "/".
func Handler() http.Handler {
	dist, _ := fs.Sub(files, "dist")
	assets := http.FileServerFS(dist)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		switch r.URL.Path {
		case "/", "/index.html":
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, "index.html")
		case "/playground.js", "/playground.css":
			w.Header().Set("Cache-Control", "public, max-age=3600")
			assets.ServeHTTP(w, r)
		case "/examples/dashboard/":
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, "examples/dashboard.html")
		case "/examples/dashboard/dashboard.js":
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, "dist/dashboard.js")
		case "/examples/restore/":
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, "examples/restore.html")
		case "/examples/restore/restore.js":
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, "dist/restore.js")
		default:
			http.NotFound(w, r)
		}
	})
}
