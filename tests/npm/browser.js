// Headless Chromium (Debian's /usr/bin/chromium through playwright-core) and a static file server,
// for the tests that load the package in a real browser.
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";

import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css",
};

/** Serves `root` on 127.0.0.1 (a free port); returns { url, close }. */
export async function serve(root) {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname));
    let file = join(root, path);
    if (!file.startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * Opens `url` in headless Chromium and returns the text of `#result` once the page has written it
 * (and the page's errors). The browser's profile and temporary files live in a folder of their
 * own, removed afterwards.
 */
export async function resultOfPage(url, { timeout = 30000 } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/setup does)`);
  }
  const scratch = mkdtempSync(join(tmpdir(), "shiftplan-chromium-"));
  const context = await chromium.launchPersistentContext(join(scratch, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    env: { ...process.env, TMPDIR: scratch },
  });
  const errors = [];
  try {
    const page = await context.newPage();
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    await page.goto(url);
    const handle = await page.waitForSelector("#result[data-done]", { timeout }).catch((error) => {
      throw new Error(`the page did not finish: ${error.message}\npage errors: ${errors.join("\n")}`);
    });
    return { text: await handle.textContent(), errors };
  } finally {
    await context.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
