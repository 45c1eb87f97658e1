import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inheritedChildEnv } from './child-env';
import { testEnvironment } from './test-env';

/** The project root: scripts and `tsx` resolve from here. */
const ROOT = resolve(__dirname, '../..');

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of our TypeScript scripts as CI does (`node --import tsx <script> …args`), a real child
 * process with only PATH/HOME from the test runner: no DATABASE_URL or NODE_OPTIONS leaks in.
 * Resolves when it exits, with its output (each stream's last `maxOutputChars`).
 */
export function runScript(
  script: string,
  args: string[],
  { maxOutputChars = Number.POSITIVE_INFINITY } = {},
): Promise<ScriptRun> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: inheritedChildEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const keep = (text: string) => (text.length > maxOutputChars ? text.slice(-maxOutputChars) : text);
    child.stdout.on('data', (c: Buffer) => (stdout = keep(stdout + c.toString())));
    child.stderr.on('data', (c: Buffer) => (stderr = keep(stderr + c.toString())));
    child.on('error', rej);
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

/**
 * A harness's `--quick` run as CI does it (`npm run bench -- --quick`, `npm run chaos -- --quick`):
 * into an output folder of its own, with the file's PostgreSQL server as admin and the suite's
 * Temporal CLI. Resolves with the run, the folder (the caller removes it) and the JSON the harness
 * wrote there as `jsonFile`; rejects with the run's output when it wrote none (the folder removed).
 */
export async function runQuickHarness<T>(
  script: string,
  databaseUrl: string,
  jsonFile: string,
  options: { maxOutputChars?: number } = {},
): Promise<{ run: ScriptRun; outDir: string; result: T }> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const outDir = mkdtempSync(join(tmpdir(), 'alpes-harness-test-'));
  const run = await runScript(
    script,
    [
      '--quick',
      '--out',
      outDir,
      '--pg-admin-url',
      admin.toString(),
      '--temporal-cli',
      testEnvironment().temporalCli,
    ],
    options,
  );
  const file = join(outDir, jsonFile);
  if (!existsSync(file)) {
    rmSync(outDir, { recursive: true, force: true });
    throw new Error(`no JSON written (exit ${run.code})\n${run.stderr}\n${run.stdout}`);
  }
  return { run, outDir, result: JSON.parse(readFileSync(file, 'utf8')) as T };
}
