import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { inheritedChildEnv } from './child-env';

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
