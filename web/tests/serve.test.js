// serve.mjs: the page's files with the Content-Security-Policy, nothing outside dist/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, CONTENT_SECURITY_POLICY } from "../serve.mjs";

test("files are served with their type and the CSP; paths outside the root are refused", async () => {
  const parent = mkdtempSync(join(tmpdir(), "shiftplan-serve-"));
  const root = join(parent, "dist");
  mkdirSync(join(root, "assets"), { recursive: true });
  writeFileSync(join(root, "index.html"), "<!doctype html><title>t</title>");
  writeFileSync(join(root, "assets", "m.wasm"), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(parent, "secret.txt"), "not for the browser");
  const { server, url } = await startServer({ root, port: 0 });
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await fetch(url);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(index.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /'unsafe-eval'|'unsafe-inline'/);
    const wasm = await fetch(`${url}assets/m.wasm`);
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer())], [0, 97, 115, 109]);
    for (const path of ["..%2Fsecret.txt", "assets/..%2F..%2Fsecret.txt", "%2e%2e/secret.txt"]) {
      const response = await fetch(`${url}${path}`);
      assert.ok([403, 404].includes(response.status), `${path}: ${response.status}`);
      assert.doesNotMatch(await response.text(), /not for the browser/);
    }
    assert.equal((await fetch(`${url}missing.js`)).status, 404);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(parent, { recursive: true, force: true });
  }
});
