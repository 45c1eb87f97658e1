/**
 * Toxiproxy (built by scripts/ensure-toxiproxy.sh) as a child process, driven over its HTTP API: a
 * real TCP fault proxy the chaos harness puts in front of PostgreSQL and the sandbox bank, so an
 * outage is a refused or cut connection exactly as a process sees it on a real network.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { httpOk, spawnManaged, waitFor, type ManagedProcess } from '../cluster/processes';

const ROOT = resolve(__dirname, '../..');

/** Finds or builds toxiproxy-server; the script's progress goes to our stderr. */
export function ensureToxiproxy(): string {
  const res = spawnSync('bash', [resolve(ROOT, 'scripts/ensure-toxiproxy.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error('toxiproxy-server is not available (see the messages above)');
  return res.stdout.trim().split('\n').pop()!;
}

export interface Toxiproxy {
  process: ManagedProcess;
  /** A proxy listening on 127.0.0.1:`listenPort` that forwards to `upstream` (host:port). */
  createProxy(name: string, listenPort: number, upstream: string): Promise<void>;
  /** Disabled: every open connection is closed and new ones are refused, until enabled again. */
  setEnabled(name: string, enabled: boolean): Promise<void>;
}

export async function startToxiproxy(opts: {
  binary: string;
  apiPort: number;
  onLine?: (name: string, line: string) => void;
}): Promise<Toxiproxy> {
  const api = `http://127.0.0.1:${opts.apiPort}`;
  const proc = spawnManaged({
    name: 'toxiproxy',
    command: opts.binary,
    args: ['-host', '127.0.0.1', '-port', String(opts.apiPort)],
    // Its default level traces every connection.
    env: { LOG_LEVEL: 'warn' },
    onLine: opts.onLine,
  });
  await waitFor('toxiproxy', () => httpOk(`${api}/version`), { process: proc, timeoutMs: 20_000 });
  const call = async (method: string, path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: ${res.status} ${text}`);
  };
  return {
    process: proc,
    createProxy: (name, listenPort, upstream) =>
      call('POST', '/proxies', { name, listen: `127.0.0.1:${listenPort}`, upstream, enabled: true }),
    setEnabled: (name, enabled) => call('POST', `/proxies/${name}`, { enabled }),
  };
}
