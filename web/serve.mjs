// Serves the built page (dist/) on 127.0.0.1 with a Content-Security-Policy, and prints the address.
// Usage: npm run serve [-- --port N]   (PORT in the environment works too; default 4173, 0 = any free port)
// Builds dist/ first when it is missing or older than the page's sources.
import { createServer } from "node:http";
import { readFile, stat, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const webDir = fileURLToPath(new URL(".", import.meta.url));

/** The policy every response carries. 'wasm-unsafe-eval' lets WebAssembly compile; it allows no eval. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".data": "application/octet-stream",
  ".gz": "application/gzip",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".sql": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

async function newestMtime(path) {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/** Builds dist/ when it is missing or older than the page's sources or the shiftplan package. */
export async function ensureBuilt() {
  if (!existsSync(join(webDir, "node_modules", ".package-lock.json"))) {
    throw new Error("web/node_modules is missing: run scripts/setup (or npm ci --prefix web) first");
  }
  if (!existsSync(join(webDir, "node_modules", "shiftplan", "dist", "shiftplan_bg.wasm"))) {
    throw new Error("the shiftplan package is not built: run `npm run build` at the repository root first");
  }
  const dist = join(webDir, "dist", "index.html");
  const sources = ["src", "examples", "public", "index.html", "vite.config.js", "node_modules/shiftplan/package.json", "node_modules/shiftplan/dist"]
    .map((p) => join(webDir, p))
    .filter((p) => existsSync(p));
  let stale = !existsSync(dist);
  if (!stale) {
    const built = (await stat(dist)).mtimeMs;
    for (const source of sources) if ((await newestMtime(source)) > built) stale = true;
  }
  if (!stale) return;
  console.log("[web] building dist/ (vite build)");
  const result = spawnSync("npx", ["vite", "build", "--logLevel", "warn"], { cwd: webDir, stdio: "inherit" });
  if (result.status !== 0) throw new Error("vite build failed");
}

/** Starts the server; resolves to { server, url }. */
export function startServer({ root = join(webDir, "dist"), port = 4173, host = "127.0.0.1" } = {}) {
  const rootDir = resolve(root);
  const server = createServer(async (request, response) => {
    const headers = {
      "Content-Security-Policy": CONTENT_SECURITY_POLICY,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cache-Control": "no-cache",
    };
    try {
      const url = new URL(request.url ?? "/", "http://localhost");
      let path = decodeURIComponent(url.pathname);
      if (path.endsWith("/")) path += "index.html";
      const file = normalize(join(rootDir, path));
      if (file !== rootDir && !file.startsWith(rootDir + sep)) {
        response.writeHead(403, headers).end("forbidden");
        return;
      }
      const body = await readFile(file);
      headers["Content-Type"] = TYPES[extname(file)] ?? "application/octet-stream";
      response.writeHead(200, headers).end(request.method === "HEAD" ? undefined : body);
    } catch {
      response.writeHead(404, { ...headers, "Content-Type": "text/plain" }).end("not found");
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      resolvePromise({ server, url: `http://${host}:${actual}/` });
    });
  });
}

function portFromArgs() {
  const index = process.argv.indexOf("--port");
  if (index >= 0 && process.argv[index + 1]) return Number(process.argv[index + 1]);
  if (process.env.PORT) return Number(process.env.PORT);
  return 4173;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await ensureBuilt();
  } catch (error) {
    console.error(`[web] ${error.message}`);
    process.exit(1);
  }
  const port = portFromArgs();
  let started;
  try {
    started = await startServer({ port });
  } catch (error) {
    if (error.code !== "EADDRINUSE") throw error;
    console.log(`[web] port ${port} is taken; using a free one`);
    started = await startServer({ port: 0 });
  }
  console.log(`shiftplan schema designer: ${started.url}`);
  console.log("(Ctrl-C stops it)");
}
