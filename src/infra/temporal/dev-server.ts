import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../workflows/search-attributes';

export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  /** Persisted state; undefined → in memory. */
  dbFile?: string;
  headless?: boolean;
  namespace?: string;
  codecEndpoint?: string;
  onLog?: (line: string) => void;
}

export interface DevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Finds or builds the Temporal CLI through scripts/ensure-temporal.sh; progress goes to stderr. */
export function ensureTemporalCli(explicitPath?: string): string {
  const script = resolve(__dirname, '../../../scripts/ensure-temporal.sh');
  const res = spawnSync('bash', [script, ...(explicitPath ? [explicitPath] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error('Temporal CLI not available (see the messages above)');
  return res.stdout.trim().split('\n').pop()!;
}

export function devServerArgs(opts: DevServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--log-level',
    'warn',
  ];
  args.push('--namespace', opts.namespace ?? 'default');
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  // Visibility reads see a just-registered attribute at once (otherwise cached for a while).
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');
  if (opts.codecEndpoint) args.push('--ui-codec-endpoint', opts.codecEndpoint);
  return args;
}

/** Starts `temporal server start-dev` as a child and resolves once its frontend port answers. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  if (opts.dbFile) mkdirSync(dirname(opts.dbFile), { recursive: true });
  const child = spawn(opts.cliPath, devServerArgs(opts), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stopping = false;
  for (const stream of [child.stdout, child.stderr]) {
    // Once we asked it to stop, its complaints about peers going away are noise.
    createInterface({ input: stream! }).on('line', (l) => !stopping && opts.onLog?.(l));
  }
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const address = `127.0.0.1:${opts.port}`;

  const stop = async (): Promise<void> => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };

  const deadline = Date.now() + 60_000;
  while (!(await portAnswers(opts.port))) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error('temporal dev server did not start within 60s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { address, process: child, stop };
}

async function portAnswers(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((res) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      res(true);
    });
    socket.on('error', () => res(false));
  });
}
