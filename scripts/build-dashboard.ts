import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Builds the operator dashboard (`src/ui/dashboard`) into static files the UI server serves:
 * `index.html`, `app.js` (+ map) and `app.css`. Offline and fast: one esbuild call, no plugins.
 */

const ROOT = resolve(__dirname, '..');
const SOURCE_DIR = join(ROOT, 'src', 'ui', 'dashboard');
export const DEFAULT_DASHBOARD_DIR = join(ROOT, 'dist', 'dashboard');

export async function buildDashboard(outDir: string = DEFAULT_DASHBOARD_DIR): Promise<string> {
  const out = resolve(outDir);
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: [
      { in: join(SOURCE_DIR, 'main.ts'), out: 'app' },
      { in: join(SOURCE_DIR, 'styles.css'), out: 'app' },
    ],
    outdir: out,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    tsconfig: join(SOURCE_DIR, 'tsconfig.json'),
    logLevel: 'warning',
  });
  await writeIndexHtml(out);
  return out;
}

/** Stamps asset URLs with a content hash so a browser never pairs a new page with an old cached bundle. */
async function writeIndexHtml(out: string): Promise<void> {
  let html = await readFile(join(SOURCE_DIR, 'index.html'), 'utf8');
  for (const asset of ['app.js', 'app.css']) {
    const hash = createHash('sha256')
      .update(await readFile(join(out, asset)))
      .digest('hex')
      .slice(0, 12);
    html = html.replace(`"${asset}"`, `"${asset}?v=${hash}"`);
  }
  await writeFile(join(out, 'index.html'), html);
}

if (require.main === module) {
  const started = Date.now();
  buildDashboard(process.argv[2]).then(
    (dir) => process.stdout.write(`dashboard built into ${dir} in ${Date.now() - started} ms\n`),
    (err: unknown) => {
      process.stderr.write(`dashboard build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
