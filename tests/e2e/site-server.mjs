// A site served without the reference collector: a small node HTTP server on
// loopback that serves examples/script-tag at / and pkg/ at /pkg (as the
// collector's `--serve` does) and hands every request to /v1/ingest to a
// handler: a plain collector that implements nothing of iob's protocol, or a
// proxy to a reference collector process that may be down (so pages still
// load while the collector is unreachable).
import { createServer, request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { pkgDir, root } from './harness.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

const MOUNTS = [
  ['/pkg/', pkgDir],
  ['/', join(root, 'examples', 'script-tag')],
];

/** Serves one static file with its type from `types`, or 404 (never outside the mounted directories). */
async function serveFile(path, res, types) {
  for (const [prefix, dir] of MOUNTS) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(dir, decodeURIComponent(path.slice(prefix.length))));
    if (!file.startsWith(dir + sep)) break;
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
      return;
    } catch {
      break;
    }
  }
  res.writeHead(404);
  res.end();
}

/**
 * Starts the site. `ingest(req, res, body)` answers every request whose path
 * is /v1/ingest (any method; `body` is the request body as a string).
 * `types` overrides content types by extension (`{ '.wasm': 'application/octet-stream' }`).
 * Resolves to { url, close() }.
 */
export async function startSite(ingest, { types = {} } = {}) {
  const served = { ...TYPES, ...types };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (path === '/v1/ingest') ingest(req, res, Buffer.concat(chunks).toString('utf8'));
      else serveFile(path, res, served);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

/**
 * A plain collector: every method on the ingest path is answered 204 with no
 * other header, and only POST bodies are kept (`posts`, in arrival order);
 * `requests` lists every method and URL. While `down` is set, each request's
 * connection is dropped without an answer (a network error for the browser).
 */
export function plainCollector() {
  const c = {
    down: false,
    /** Requests whose connection was dropped while `down`, or by `dropHeld`. */
    dropped: 0,
    /** While set, requests are held open, unanswered, until `dropHeld`. */
    hold: false,
    /** @type {import('node:http').IncomingMessage[]} */
    held: [],
    /** Drops the connection of every held request. */
    dropHeld() {
      for (const req of c.held.splice(0)) {
        c.dropped++;
        req.socket.destroy();
      }
    },
    /** @type {string[]} */
    posts: [],
    /** @type {{ method: string, url: string }[]} */
    requests: [],
    /** @type {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => void} */
    handle(req, res, body) {
      if (c.hold) {
        c.held.push(req);
        return;
      }
      if (c.down) {
        c.dropped++;
        req.socket.destroy();
        return;
      }
      c.requests.push({ method: req.method ?? '', url: req.url ?? '' });
      if (req.method === 'POST') c.posts.push(body);
      res.writeHead(204);
      res.end();
    },
  };
  return c;
}

/**
 * An ingest handler that forwards each request to the collector on
 * 127.0.0.1:`port()` and relays its answer; 502 when it is down, as a
 * reverse proxy in front of a stopped collector answers.
 */
export function proxyTo(port) {
  return (req, res, body) => {
    const up = request(
      { host: '127.0.0.1', port: port(), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    up.end(body);
  };
}

/**
 * Serves `path` in `context` as a bare host page: the script tag (site
 * `demo`, the ingest path, opt-out consent, a snapshot every `intervalMs`)
 * and one button `#a`, nothing else (the example pages keep test records in
 * localStorage).
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} path
 * @param {number} intervalMs
 */
export function routeHostPage(context, path, intervalMs) {
  return context.route(`**${path}`, (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><title>host</title>'
      + `<script defer src="/pkg/iob.js" data-site="demo" data-endpoint="/v1/ingest" data-consent="opt-out" data-snapshot-interval-ms="${intervalMs}"></script>`
      + '<button id="a" type="button">A</button>',
  }));
}
