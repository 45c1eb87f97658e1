import { PGlite } from '@electric-sql/pglite';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** How to reach a database: used by the service and by the sandbox bank, which keeps its own tables. */
export type DatabaseConfig = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string | null };

// bigint columns hold minor units and positions, all within Number.MAX_SAFE_INTEGER by domain rules.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * Postgres' default 128 MB buffer cache is touched as PGlite starts, in WebAssembly memory that
 * never shrinks: ~120 MB of RSS per instance. The embedded databases are small and the OS caches
 * their files anyway (bench/pglite-rss.ts --compare measures it).
 */
export const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/** Opens the database: PostgreSQL over the network, or PGlite (embedded, one connection) on disk or in memory. */
export function openDatabase(config: DatabaseConfig): Knex {
  if (config.kind === 'postgres') {
    return knex({ client: 'pg', connection: config.url, pool: { min: 0, max: 10 } });
  }
  if (config.dir) mkdirSync(config.dir, { recursive: true });
  const options = { startParams: PGLITE_START_PARAMS };
  const pglite = config.dir ? new PGlite(config.dir, options) : new PGlite(options);
  // No `dialect: 'postgres'` here: knex would silently switch back to the network driver.
  return knex({ client: ClientPgLite, connection: { pglite } as Knex.StaticConnectionConfig });
}

/**
 * `openDatabase` for a long-lived process: first creates what is missing — the database named in
 * a PostgreSQL URL, or a PGlite folder's cluster (out of process, see `initPgliteDir`).
 */
export async function connectDatabase(config: DatabaseConfig): Promise<Knex> {
  if (config.kind === 'postgres') await ensurePostgresDatabase(config.url);
  else if (config.dir) await initPgliteDir(config.dir);
  return openDatabase(config);
}

/** PGlite's own test for "a database is here" (it runs initdb otherwise). */
export const hasPgliteCluster = (dir: string): boolean => existsSync(join(dir, 'PG_VERSION'));

// Plain JavaScript for `node -e`: runs the same under tsx, jest and compiled code.
const INITDB_SCRIPT = `const { PGlite } = require(${JSON.stringify(require.resolve('@electric-sql/pglite'))});
PGlite.create(process.argv[process.argv.length - 1])
  .then((db) => db.close())
  .then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });`;

/**
 * Creates the PGlite cluster of a new folder in a short-lived child process. Run in-process, initdb
 * leaves ~450 MB in WebAssembly memory the process keeps for its lifetime (a worker thread still
 * keeps ~100 MB of it); a child gives it all back. The cluster is built beside the folder and
 * renamed into place, so an interrupted first start leaves no half-made database to "resume".
 */
export async function initPgliteDir(dir: string): Promise<void> {
  if (hasPgliteCluster(dir)) return;
  // Something without PG_VERSION already there: initdb in place, as PGlite itself would.
  const inPlace = existsSync(dir) && readdirSync(dir).length > 0;
  const target = inPlace ? dir : `${dir}.initdb-${process.pid}`;
  try {
    mkdirSync(target, { recursive: true });
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, ['-e', INITDB_SCRIPT, target], (err, _stdout, stderr) =>
        err ? reject(new Error(`PGlite initdb in ${dir} failed: ${stderr || err.message}`)) : resolve(),
      );
    });
    // A concurrent first start (same DATA_DIR) may have got there first: theirs is as good as ours.
    if (inPlace || hasPgliteCluster(dir)) return;
    if (existsSync(dir)) rmdirSync(dir); // empty, checked above
    renameSync(target, dir);
  } finally {
    if (!inPlace) rmSync(target, { recursive: true, force: true });
  }
}

/** Creates the database named in a PostgreSQL URL when it does not exist yet (connecting to `postgres`). */
export async function ensurePostgresDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name || name === 'postgres') return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      await client.query(`create database "${name.replace(/"/g, '""')}"`).catch((e: { code?: string }) => {
        // 42P04: created concurrently by another process, which is what we wanted anyway.
        if (e.code !== '42P04') throw e;
      });
    }
  } finally {
    await client.end();
  }
}
