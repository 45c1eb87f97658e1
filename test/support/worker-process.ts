import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { inheritedChildEnv } from './child-env';
import type { TestSystem } from './system';
import { testEnvironment } from './test-env';

/** The project root: the standalone worker resolves `src/` and `tsx` from here. */
const ROOT = resolve(__dirname, '../..');
/** Enough of the child's output to explain a failure without flooding the test log. */
const MAX_OUTPUT_CHARS = 20_000;

export interface WorkerProcess {
  pid: number;
  /** Whatever the child printed so far (stdout and stderr interleaved), for failure messages. */
  output(): string;
  /** Resolves once the child has exited, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGKILLs the child's whole process group (no graceful shutdown) and waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Starts a real, separate worker process (`node --import tsx src/processes/worker.ts`) with
 * exactly the given environment plus PATH/HOME. It runs in a process group of its own so a kill
 * reaches anything it may have started, not just the `node` process.
 */
export function spawnWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/processes/worker.ts'], {
    cwd: ROOT,
    env: { ...inheritedChildEnv(), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the worker process could not be spawned');
  const pid = child.pid;
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('exit', (code, signal) => {
      done = true;
      res({ code, signal });
    });
  });
  return {
    pid,
    output: () => output,
    exited,
    hasExited: () => done,
    kill: async () => {
      if (done) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch (e) {
        // ESRCH: the group is already gone, which is what we wanted.
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
      await exited;
    },
  };
}

/**
 * What a standalone worker process needs to join a test system: its database, Temporal and task
 * queue, the bank, and the system's secrets — above all its codec keys (it must decrypt workflow
 * inputs) and the decision verify key; all of them, so it never falls back to creating
 * ./data/secrets.json.
 */
export function workerProcessEnv(sys: TestSystem, databaseUrl: string): Record<string, string> {
  const { secrets } = sys;
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: testEnvironment().temporalAddress,
    TEMPORAL_TASK_QUEUE: sys.taskQueue,
    SANDBOX_BANK_URL: sys.bankUrl!,
    // Its own metrics port, so a worker already on the default one (make start, a cluster) never collides.
    TEMPORAL_METRICS_PORT: '0',
    // The shared dev server: a test that needs the janitor's Schedule names its own.
    JANITOR_SCHEDULE: 'off',
    CODEC_KEYS: JSON.stringify(secrets.codecKeys),
    ALPES_API_KEYS: JSON.stringify(secrets.apiKeys),
    WS_TOKEN_SECRET: secrets.wsTokenSecret,
    CODEC_UI_TOKEN: secrets.codecUiToken,
    ACTOR_VERIFY_KEY: secrets.actorVerifyKey,
    WEBHOOK_SECRET_KEYS: JSON.stringify(secrets.webhookSecretKeys),
  };
}
