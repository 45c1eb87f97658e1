import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './children';

/**
 * The workflow bundles every worker of the run loads (`WORKFLOW_BUNDLE_PATH`, as the production
 * image does), built once and cached under artifacts/bench/cache by a hash of everything a bundle
 * can contain: webpack runs for seconds on 2 cores, and bundling from source at each worker's start
 * would also put webpack's memory into the workers' resident-memory figures.
 */

export interface Bundles {
  payments: string;
  notifications: string;
  baseline: string;
  cached: boolean;
}

const SPECS = [
  { key: 'payments', entry: 'src/workflows/index.ts', file: 'workflow-bundle.js' },
  {
    key: 'notifications',
    entry: 'src/workflows/notifications.index.ts',
    file: 'notifications-workflow-bundle.js',
  },
  { key: 'baseline', entry: 'bench/baseline/baseline.workflow.ts', file: 'baseline-bundle.js' },
] as const;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function sourceHash(): string {
  const h = createHash('sha256');
  const inputs = [
    ...['src/workflows', 'src/activities', 'src/domain', 'bench/baseline'].flatMap((d) =>
      filesUnder(join(ROOT, d)),
    ),
    join(ROOT, 'package-lock.json'),
  ].sort();
  for (const file of inputs) {
    h.update(relative(ROOT, file));
    h.update(readFileSync(file));
  }
  return h.digest('hex').slice(0, 16);
}

const noop = (): void => undefined;
const quiet: Logger = {
  log: noop,
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: (message, meta) => process.stderr.write(`bundle error: ${message} ${JSON.stringify(meta ?? {})}\n`),
};

export async function ensureBundles(cacheRoot: string, log: (line: string) => void): Promise<Bundles> {
  const dir = join(cacheRoot, sourceHash());
  mkdirSync(dir, { recursive: true });
  const paths = Object.fromEntries(SPECS.map((s) => [s.key, join(dir, s.file)])) as Record<
    (typeof SPECS)[number]['key'],
    string
  >;
  let cached = true;
  for (const spec of SPECS) {
    const target = paths[spec.key];
    if (existsSync(target)) continue;
    cached = false;
    const started = Date.now();
    const { code } = await bundleWorkflowCode({ workflowsPath: join(ROOT, spec.entry), logger: quiet });
    writeFileSync(target, code);
    log(`bundled ${spec.entry} in ${Date.now() - started} ms`);
  }
  return { ...paths, cached };
}
