// Headless Chromium for the page's tests: Debian's /usr/bin/chromium driven by playwright-core
// (never `npx playwright install`), with the flags of ../shared/reference/toolchain.md. Playwright
// gives every launch a fresh profile directory of its own (it refuses --user-data-dir in launch())
// and removes it on close.
import { chromium } from "playwright-core";
import { existsSync } from "node:fs";
import { ensureBuilt, startServer } from "../serve.mjs";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export async function openBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/setup does: apt-get install -y chromium)`);
  }
  await ensureBuilt();
  const { server, url } = await startServer({ port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  return {
    browser,
    url,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A new page that records console errors, page errors, CSP violations and requests off 127.0.0.1. */
export async function openPage(session, { width = 1440, height = 1000 } = {}) {
  const context = await session.browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  const offline = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (!["127.0.0.1", ""].includes(url.hostname) && !["blob:", "data:"].includes(url.protocol)) offline.push(request.url());
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(session.url);
  return { page, context, problems, offline };
}
