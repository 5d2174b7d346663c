// Builds GraphiQL into ../dist for package playground to embed (see
// playground/assets.go). One JavaScript file, one stylesheet and the fonts
// and icons it uses, all served from this origin under a CSP of 'self'.
import { Buffer } from 'node:buffer';
import { defineConfig } from 'vite';

// Extensions for the data: URIs GraphiQL's stylesheet inlines.
const dataExt = {
  'font/woff2': 'woff2',
  'font/woff': 'woff',
  'font/ttf': 'ttf',
  'image/png': 'png',
  'image/svg+xml': 'svg',
};

// extractDataURIs moves every base64 data: URI out of the built CSS into a
// hashed file beside it, because the page's CSP allows no data: URIs.
function extractDataURIs() {
  const dataURI = /url\((["']?)data:([a-z0-9.+/-]+);base64,([A-Za-z0-9+/=]+)\1\)/gi;
  return {
    name: 'extract-data-uris',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'asset' || !file.fileName.endsWith('.css')) continue;
        file.source = String(file.source).replace(dataURI, (_m, _q, mime, b64) => {
          const ext = dataExt[mime.toLowerCase()];
          if (!ext) throw new Error(`extract-data-uris: no extension for ${mime}`);
          const kind = mime.startsWith('font/') ? 'font' : 'img';
          const ref = this.emitFile({ type: 'asset', name: `${kind}.${ext}`, source: Buffer.from(b64, 'base64') });
          return `url(./${this.getFileName(ref).split('/').pop()})`;
        });
      }
    },
  };
}

export default defineConfig({
  base: './',
  publicDir: false,
  plugins: [extractDataURIs()],
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    manifest: 'manifest.json',
    license: { fileName: 'licenses.md' },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      input: 'src/main.js',
      output: { codeSplitting: false },
      // React libraries' "use client" directives mean nothing in a bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
