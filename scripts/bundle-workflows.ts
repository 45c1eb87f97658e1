import type { LogMetadata } from '@temporalio/common';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Prebuilds the workflow bundles at image build time (`npx tsx scripts/bundle-workflows.ts [outDir]`),
 * so a worker starts from `workflowBundle: { codePath }` instead of running webpack at every start:
 * faster starts, less memory, and a workflow that does not bundle fails the build, not a rollout.
 * The worker picks the file up through WORKFLOW_BUNDLE_PATH (the image sets it).
 */

const ROOT = resolve(__dirname, '..');

export interface WorkflowBundleSpec {
  /** Entry point of the bundle, relative to the repository root. */
  entry: string;
  /** File name written under the output folder. */
  file: string;
  /** The payments bundle must exist; the notifications one only once its entry point does. */
  required: boolean;
}

export const WORKFLOW_BUNDLES: readonly WorkflowBundleSpec[] = [
  { entry: 'src/workflows/index.ts', file: 'workflow-bundle.js', required: true },
  {
    entry: 'src/workflows/notifications.index.ts',
    file: 'notifications-workflow-bundle.js',
    required: false,
  },
];

export const DEFAULT_BUNDLE_DIR = join(ROOT, 'dist');

/** Webpack's chatter stays out of the build log; its warnings and errors do not. */
const report = (level: string, message: string, meta?: LogMetadata): void => {
  process.stderr.write(`${level} ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}\n`);
};
const quietLogger: Logger = {
  log: (level, message, meta) =>
    level === 'WARN' || level === 'ERROR' ? report(level, message, meta) : undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message, meta) => report('WARN', message, meta),
  error: (message, meta) => report('ERROR', message, meta),
};

/** Writes every bundle whose entry point exists into `outDir`; returns the written paths. */
export async function bundleWorkflows(outDir: string = DEFAULT_BUNDLE_DIR): Promise<string[]> {
  const out = resolve(outDir);
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  for (const spec of WORKFLOW_BUNDLES) {
    const entry = join(ROOT, spec.entry);
    if (!existsSync(entry)) {
      if (spec.required) throw new Error(`workflow entry point ${spec.entry} is missing`);
      continue;
    }
    const { code } = await bundleWorkflowCode({ workflowsPath: entry, logger: quietLogger });
    const target = join(out, spec.file);
    await writeFile(target, code);
    written.push(target);
  }
  return written;
}

if (require.main === module) {
  const started = Date.now();
  bundleWorkflows(process.argv[2]).then(
    (files) =>
      process.stdout.write(
        `workflow bundles written in ${Date.now() - started} ms:\n  ${files.join('\n  ')}\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`workflow bundle failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
