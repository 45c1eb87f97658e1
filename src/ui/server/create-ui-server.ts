import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import type { EventStream } from './stream/event-stream.server';

export interface UiServer {
  start(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface UiServerDeps {
  /** The live event stream, served at `/ws`; without it websocket upgrades are refused (503). */
  stream?: EventStream;
  /** The dashboard's built files; `/` is its `index.html`, or the placeholder page when it has none. */
  staticDir?: string;
  /** Served as `/config.json`: only what a browser may see (API URL, Temporal UI URL, namespace). */
  publicConfig?: Record<string, unknown>;
  /**
   * More origins the page may `fetch` or open sockets to (CSP `connect-src`), beyond its own origin
   * (http and ws) and `publicConfig.apiUrl`'s.
   */
  connectSrc?: string[];
}

const PLACEHOLDER_PAGE = join(__dirname, 'public', 'index.html');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The live-UI server: the dashboard's static files, `/config.json` for it, `/healthz`, and the
 * websocket stream at `/ws`. Static files are revalidated on every load (`no-cache`): their names
 * carry no content hash, and an operator must never run yesterday's dashboard against today's API.
 * The page itself is `no-store`: it is where the security headers below arrive, so no cache may
 * serve an old copy of them.
 *
 * The dashboard keeps an API key in sessionStorage, so every answer carries a strict policy
 * (`securityHeaders`): scripts and styles only from this origin (no inline code, no eval), network
 * access only to this origin (http and ws) and the API, no framing, no referrer, no sniffing.
 */
export function createUiServer(deps: UiServerDeps = {}): UiServer {
  const root = deps.staticDir === undefined ? undefined : resolve(deps.staticDir);
  const configBody = JSON.stringify(deps.publicConfig ?? {});
  const apiUrl = deps.publicConfig?.apiUrl;
  const connectSources = [
    ...(typeof apiUrl === 'string' ? [apiUrl] : []),
    ...(deps.connectSrc ?? []),
  ].flatMap((url) => {
    const origin = originOf(url);
    return origin ? [origin] : [];
  });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) problem(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(securityHeaders(req.headers.host, connectSources)))
      res.setHeader(name, value);
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return problem(res, 400, 'Bad Request', 'the request path is not valid percent-encoding');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return problem(res, 405, 'Method Not Allowed');
    }
    if (pathname === '/healthz')
      return send(req, res, 200, 'application/json', '{"status":"up"}', 'no-store');
    if (pathname === '/config.json')
      return send(req, res, 200, 'application/json; charset=utf-8', configBody, 'no-store');
    if (pathname === '/' || pathname === '/index.html') {
      const page = (root && (await readStatic(root, 'index.html'))) ?? (await readFile(PLACEHOLDER_PAGE));
      return send(req, res, 200, CONTENT_TYPES['.html']!, page, 'no-store');
    }
    const file = root ? await readStatic(root, pathname) : undefined;
    if (!file) return problem(res, 404, 'Not Found', `nothing at ${pathname}`);
    return send(
      req,
      res,
      200,
      CONTENT_TYPES[extname(pathname).toLowerCase()] ?? 'application/octet-stream',
      file,
      'no-cache',
    );
  }

  deps.stream?.attach(server);
  if (!deps.stream) {
    // The stream is optional (a page-only server); answer upgrades rather than leave them hanging.
    server.on('upgrade', (_req, socket) => {
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
  }

  return {
    start: (port, host = '0.0.0.0') =>
      new Promise((resolvePromise, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolvePromise(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
        });
      }),
    stop: async () => {
      // The stream says goodbye with 1001 on every socket first; then the HTTP side closes.
      await deps.stream?.close();
      if (!server.listening) return;
      await new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * A regular file under `root`, or undefined. The decoded path is resolved against the root and must
 * stay inside it, so `..`, encoded `%2e%2e%2f` and absolute paths cannot escape; NUL bytes and
 * dotfiles are refused outright.
 */
async function readStatic(root: string, pathname: string): Promise<Buffer | undefined> {
  if (pathname.includes('\0') || pathname.split('/').some((part) => part.startsWith('.'))) return undefined;
  const target = resolve(root, `.${pathname.startsWith('/') ? pathname : `/${pathname}`}`);
  if (!target.startsWith(root + sep)) return undefined;
  try {
    if (!(await stat(target)).isFile()) return undefined;
    return await readFile(target);
  } catch {
    return undefined;
  }
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  cache: 'no-cache' | 'no-store',
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': cache,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function problem(res: ServerResponse, status: number, title: string, detail?: string): void {
  const body = JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}) });
  res
    .writeHead(status, {
      'content-type': 'application/problem+json',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    })
    .end(body);
}

/** A `Host` header fit to go into a policy: a DNS name or IP literal and an optional port, nothing else. */
const SAFE_HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * Sent with every answer. The page's own websocket (`ws[s]://<the host it was loaded from>/ws`) is
 * named explicitly in `connect-src`: `'self'` covers it only in CSP level 3 browsers.
 * `form-action 'none'`: the dashboard's forms are handled in script; a form that submitted anyway
 * (say, the sign-in box before the script ran) must not put a key into a URL.
 */
export function securityHeaders(host: string | undefined, connectSources: string[]): Record<string, string> {
  const self = host && SAFE_HOST.test(host) ? [`ws://${host}`, `wss://${host}`] : [];
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...self, ...connectSources].join(' ')}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    // For browsers without frame-ancestors.
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}
