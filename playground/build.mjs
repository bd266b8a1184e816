// Bundles src/index.jsx (GraphiQL), src/dashboard.js (the example
// dashboard) and src/restore.js (the example restore page) into dist/.
// The output is committed and embedded by playground.go;
// TestBundleIsCurrent checks it.
import * as esbuild from 'esbuild';

const outdir = process.argv[2] || 'dist';
await esbuild.build({
  entryPoints: { playground: 'src/index.jsx', dashboard: 'src/dashboard.js', restore: 'src/restore.js' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir,
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl' },
  legalComments: 'none',
  logLevel: 'warning',
});
