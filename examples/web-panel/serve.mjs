// A tiny static server for the web panel example, on 127.0.0.1 only, with the headers a
// real host should send: a strict Content-Security-Policy (no inline script, no inline
// style, wasm allowed to compile), `application/wasm` for the module, nosniff.
//
//   node examples/web-panel/serve.mjs [port]        (scripts/serve-panel.sh does this)
//
// The browser tests import startServer() to serve the same files.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The policy the example runs under. No 'unsafe-inline' anywhere. */
export const STRICT_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".ts": "text/plain; charset=utf-8",
};

/**
 * Serves `root` on 127.0.0.1. `pages` maps extra paths to { body, type?, csp? } (csp:
 * null sends none); `csp` is the policy for files. Resolves to { url, close() }.
 */
export function startServer({ root, port = 0, csp = STRICT_CSP, pages = {} } = {}) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const headers = {
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-store",
      "Cross-Origin-Opener-Policy": "same-origin",
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, headers).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    } catch {
      res.writeHead(400, headers).end();
      return;
    }
    if (path.endsWith("/")) path += "index.html";
    const page = pages[path];
    if (page) {
      const policy = page.csp === undefined ? csp : page.csp;
      if (policy) headers["Content-Security-Policy"] = policy;
      headers["Content-Type"] = page.type ?? TYPES[".html"];
      res.writeHead(200, headers).end(req.method === "HEAD" ? undefined : page.body);
      return;
    }
    const file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403, headers).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a file");
      const body = await readFile(file);
      headers["Content-Type"] = TYPES[extname(file)] ?? "application/octet-stream";
      if (csp) headers["Content-Security-Policy"] = csp;
      res.writeHead(200, headers).end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, headers).end();
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      const { port: actual } = server.address();
      ok({
        url: `http://127.0.0.1:${actual}`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8080);
  const root = fileURLToPath(new URL(".", import.meta.url));
  const { url } = await startServer({ root, port });
  console.log(`ICR web panel example: ${url}/  (Ctrl-C to stop)`);
}
