import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The repository root: children run `src/…` and `bench/…` through tsx from here. */
export const ROOT = resolve(__dirname, '../..');
const MAX_OUTPUT_CHARS = 30_000;

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** The last part of what it printed (stdout and stderr), for failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  /** Script path relative to the repository root, run as `node --import tsx <script>` (a `.js` file: plain `node`). */
  script: string;
  args?: string[];
  env: Record<string, string>;
  nodeArgs?: string[];
  ipc?: boolean;
  /** Print the child's lines to our stderr as they come (prefixed with its name). */
  echo?: boolean;
}

/** What a child needs from our own environment to start at all; everything else is explicit. */
export function inheritedEnv(): Record<string, string> {
  // eslint-disable-next-line no-restricted-properties -- children need PATH/HOME (and TMPDIR) to run
  const { PATH, HOME, TMPDIR } = process.env;
  return { ...(PATH ? { PATH } : {}), ...(HOME ? { HOME } : {}), ...(TMPDIR ? { TMPDIR } : {}) };
}

/**
 * Starts `node --import tsx <script>` in a process group of its own (so a stop reaches anything it
 * started) with exactly `env` plus PATH/HOME.
 */
export function spawnNode(opts: SpawnOptions): Child {
  const child = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      ...(opts.script.endsWith('.js') ? [] : ['--import', 'tsx']),
      opts.script,
      ...(opts.args ?? []),
    ],
    {
      cwd: ROOT,
      env: { ...inheritedEnv(), ...opts.env },
      detached: true,
      stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid === undefined) throw new Error(`${opts.name}: could not be spawned`);
  return wrap(opts.name, child, opts.echo ?? false);
}

export function wrap(name: string, child: ChildProcess, echo: boolean): Child {
  const pid = child.pid!;
  let output = '';
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-MAX_OUTPUT_CHARS);
    if (echo) {
      for (const line of text.split('\n')) if (line.trim()) process.stderr.write(`  [${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('exit', (code, signal) => {
      done = true;
      res({ code, signal });
    });
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  };
  return {
    name,
    pid,
    process: child,
    output: () => output,
    exited,
    hasExited: () => done,
    stop: async (graceMs = 10_000) => {
      if (done) {
        // The leader is gone; make sure nothing it started lingers in its group.
        signalGroup('SIGKILL');
        return;
      }
      signalGroup('SIGTERM');
      const killer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
      signalGroup('SIGKILL');
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it answers true; fails early, with the child's output, if the child exits. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; child?: Child; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.child?.hasExited()) {
      throw new Error(`${what}: ${opts.child.name} exited during start-up\n${opts.child.output()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not ready within ${opts.timeoutMs} ms${opts.child ? `\n${opts.child.output()}` : ''}`,
      );
    }
    await sleep(opts.intervalMs ?? 200);
  }
}

export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}
