import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';

export interface UiServer {
  start(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

const PUBLIC_DIR = join(__dirname, 'public');

/** The live-UI server: serves the dashboard page and the websocket stream at /ws. */
export function createUiServer(): UiServer {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
      readFile(join(PUBLIC_DIR, 'index.html')).then(
        (html) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (req.url === '/healthz')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"up"}');
    res
      .writeHead(404, { 'content-type': 'application/problem+json' })
      .end(JSON.stringify({ type: 'about:blank', title: 'Not found', status: 404 }));
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (socket) => {
    socket.on('message', () => socket.send(JSON.stringify({ type: 'ready', position: 0 })));
  });

  return {
    start: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        );
      }),
    stop: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.close(1001, 'server shutting down');
        wss.close();
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
