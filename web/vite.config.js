// Builds the page into dist/: every asset (scripts, WebAssembly, PGlite's data) is a local file,
// so the page works offline and under a Content-Security-Policy with no 'unsafe-eval'.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // No data: URLs: every asset is a file the CSP allows by 'self'.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
  },
  worker: { format: "es" },
  optimizeDeps: { exclude: ["@electric-sql/pglite", "shiftplan"] },
});
