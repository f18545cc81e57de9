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
    rollupOptions: {
      onwarn(warning, warn) {
        // PGlite's Emscripten glue has a direct eval on its path for loading extensions with
        // EM_ASM code; the page loads no extension, and the CSP (no 'unsafe-eval') would refuse it.
        if (warning.code === "EVAL" && String(warning.id ?? warning.message).includes("@electric-sql/pglite")) return;
        warn(warning);
      },
    },
  },
  worker: { format: "es" },
  optimizeDeps: { exclude: ["@electric-sql/pglite", "shiftplan"] },
});
