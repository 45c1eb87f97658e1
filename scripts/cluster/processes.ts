/**
 * Child processes of the cluster: each in a process group of its own (so a kill reaches anything it
 * started, and the terminal's Ctrl-C reaches only the launcher, which stops them in order), with
 * its output split into lines and handed on with the process's name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Enough of a child's output to explain a failure. */
const KEEP_OUTPUT_CHARS = 30_000;

export interface ManagedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The tail of what it printed (stdout and stderr interleaved). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** SIGTERM to its group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to its group (no shutdown at all) and wait. */
  kill9(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Every line it prints, as it prints it. */
  onLine?: (name: string, line: string) => void;
}

/** Every group we started and have not seen exit: killed synchronously if the launcher exits. */
const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) signalGroup(pid, 'SIGKILL');
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

export function spawnManaged(opts: SpawnOptions): ManagedProcess {
  installExitHook();
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${opts.name}: could not spawn ${opts.command}`);
  const pid = child.pid;
  live.add(pid);
  let output = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      output = `${output}${line}\n`.slice(-KEEP_OUTPUT_CHARS);
      opts.onLine?.(opts.name, line);
    });
  }
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('exit', (code, signal) => {
      done = true;
      // The leader is gone; anything left in its group goes with it.
      signalGroup(pid, 'SIGKILL');
      live.delete(pid);
      res({ code, signal });
    });
  });
  const kill9 = async (): Promise<void> => {
    if (!done) signalGroup(pid, 'SIGKILL');
    await exited;
  };
  return {
    name: opts.name,
    pid,
    child,
    output: () => output,
    exited,
    running: () => !done,
    kill9,
    stop: async (graceMs = 10_000) => {
      if (done) return;
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves when `probe` answers true; rejects when the process exits first or time runs out. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  opts: { process?: ManagedProcess; timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (opts.process && !opts.process.running()) {
      throw new Error(`${what}: ${opts.process.name} exited\n${opts.process.output().slice(-4000)}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${opts.timeoutMs ?? 60_000} ms` +
          (opts.process ? `\n${opts.process.output().slice(-4000)}` : ''),
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** An HTTP GET that answers 2xx. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}
