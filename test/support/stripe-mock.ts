import { spawn, spawnSync } from 'node:child_process';
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inheritedChildEnv } from './child-env';

/**
 * stripe-mock (Stripe's official mock API server), built into ~/go/bin on first use by
 * scripts/ensure-stripe-mock.sh (`make stripe-mock`), run per test file on a loopback port of the
 * OS's choosing, and a small recording proxy in front of it: what the SDK really sent, on the wire.
 */

export const STRIPE_MOCK_BINARY = join(homedir(), 'go', 'bin', 'stripe-mock');

export const stripeMockAvailable = (): boolean =>
  spawnSync(STRIPE_MOCK_BINARY, ['-version'], { encoding: 'utf8' }).stdout?.startsWith('stripe-mock') ===
  true;

export interface StripeMock {
  url: string;
  stop(): Promise<void>;
}

/** Starts stripe-mock on 127.0.0.1, HTTP only on a free port (its HTTPS listener on another, unused). */
export function startStripeMock(): Promise<StripeMock> {
  // -http-addr alone leaves its default HTTPS listener on every interface at :12112: pin it too.
  const child = spawn(STRIPE_MOCK_BINARY, ['-http-addr', '127.0.0.1:0', '-https-addr', '127.0.0.1:0'], {
    env: inheritedChildEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = (): Promise<void> =>
    new Promise((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      child.once('exit', () => res());
      child.kill('SIGTERM');
    });
  return new Promise((res, rej) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop();
      rej(new Error(`stripe-mock did not start within 20 s:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /Listening for HTTP at address: (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        res({ url: `http://${m[1]}`, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`stripe-mock exited (${code}) before listening:\n${output}`));
    });
  });
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The form-encoded body as Stripe's API takes it (`metadata[paymentId]` etc.). */
  form: Record<string, string>;
  /** What came back to the SDK. */
  status?: number;
}

/** What the proxy does with the next requests: pass them on, answer a 500 itself, or never answer. */
export type ProxyMode = 'forward' | 'answer-500' | 'hang';

export interface RecordingProxy {
  url: string;
  port: number;
  requests: RecordedRequest[];
  mode: ProxyMode;
  close(): Promise<void>;
}

export function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const held: Array<() => void> = [];
  const proxy: RecordingProxy = {
    url: '',
    port: 0,
    requests: [],
    mode: 'forward',
    close: () =>
      new Promise((res) => {
        held.splice(0).forEach((release) => release());
        server.closeAllConnections();
        server.close(() => res());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const record: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        form: Object.fromEntries(new URLSearchParams(body.toString())),
      };
      proxy.requests.push(record);
      if (proxy.mode === 'hang') {
        held.push(() => res.destroy());
        return;
      }
      if (proxy.mode === 'answer-500') {
        record.status = 500;
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'api_error', message: 'An unknown error occurred' } }));
        return;
      }
      const out = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          record.status = answer.statusCode;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      proxy.port = port;
      proxy.url = `http://127.0.0.1:${port}`;
      res(proxy);
    });
  });
}
