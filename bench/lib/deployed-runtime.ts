import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { BenchOptions } from './args';

export interface DeployedRuntime {
  /** Node flags before the script in the worker service's command, e.g. a heap limit. */
  nodeArgs: string[];
  /** Environment of the worker service that shapes the process itself (the C allocator). */
  env: Record<string, string>;
}

/** Variables of the worker service that tune the process, not the application. */
const PROCESS_ENV = ['MALLOC_ARENA_MAX', 'TEMPORAL_MAX_CACHED_WORKFLOWS'];

/**
 * How docker-compose.yml runs the payments worker, so the bench measures the worker as deployed
 * (its heap limits, allocator arenas, workflow cache) and not a second opinion kept here.
 */
export function deployedWorkerRuntime(root: string): DeployedRuntime {
  return deployedRuntime(root, 'worker');
}

/** How docker-compose.yml runs one of our services: its node flags and process variables. */
export function deployedRuntime(root: string, service: string): DeployedRuntime {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services?: Record<string, { command?: unknown; environment?: Record<string, unknown> }>;
  };
  const worker = compose.services?.[service];
  const command = Array.isArray(worker?.command) ? worker.command.map(String) : [];
  const script = command.findIndex((part) => part.endsWith('.js'));
  const nodeArgs = command[0] === 'node' && script > 0 ? command.slice(1, script) : [];
  const env: Record<string, string> = {};
  for (const key of PROCESS_ENV) {
    const value = worker?.environment?.[key];
    if (value !== undefined && value !== null) env[key] = String(value);
  }
  return { nodeArgs, env };
}

/**
 * How `make start` runs the all-in-one (scripts/start.sh): the node flags of its launcher line and
 * the process variables it exports.
 */
export function makeStartRuntime(root: string): DeployedRuntime {
  const script = readFileSync(join(root, 'scripts/start.sh'), 'utf8').split('\n');
  const env: Record<string, string> = {};
  for (const line of script) {
    const m = /^export ([A-Z_]+)=(\S+)$/.exec(line.trim());
    if (m && PROCESS_ENV.includes(m[1]!)) env[m[1]!] = m[2]!;
  }
  const words = (script.find((l) => /\bnode\b.*dist\/processes\/launcher\.js/.test(l)) ?? '')
    .trim()
    .split(/\s+/);
  const node = words.indexOf('node');
  const launcher = words.findIndex((w) => w.endsWith('dist/processes/launcher.js'));
  return { nodeArgs: node >= 0 && launcher > node ? words.slice(node + 1, launcher) : [], env };
}

/** The options with the worker's runtime settled: docker-compose.yml's, then the command line's. */
export function withDeployedWorker(
  root: string,
  opts: BenchOptions,
): BenchOptions & { workerNodeArgs: string[] } {
  const deployed = deployedWorkerRuntime(root);
  return {
    ...opts,
    workerNodeArgs: opts.workerNodeArgs ?? deployed.nodeArgs,
    workerEnv: { ...deployed.env, ...opts.workerEnv },
  };
}

/**
 * Compiles the sources as the image does (tsc -p tsconfig.build.json, the UI's static files beside
 * them), into a folder of its own, so the processes run as JavaScript the way they are deployed.
 */
export function compileSources(root: string, dir: string, log: (line: string) => void): void {
  const out = resolve(root, dir);
  const started = Date.now();
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
    { cwd: root, stdio: 'inherit' },
  );
  cpSync(join(root, 'src/ui/server/public'), join(out, 'ui/server/public'), { recursive: true });
  log(`compiled the sources into ${dir} in ${Date.now() - started} ms`);
}
