import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { mkdirSync } from 'node:fs';
import pg from 'pg';

/** How to reach a database: used by the service and by the sandbox bank, which keeps its own tables. */
export type DatabaseConfig = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string | null };

// bigint columns hold minor units and positions, all within Number.MAX_SAFE_INTEGER by domain rules.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens the database: PostgreSQL over the network, or PGlite (embedded, one connection) on disk or in memory. */
export function openDatabase(config: DatabaseConfig): Knex {
  if (config.kind === 'postgres') {
    return knex({ client: 'pg', connection: config.url, pool: { min: 0, max: 10 } });
  }
  if (config.dir) mkdirSync(config.dir, { recursive: true });
  // No `dialect: 'postgres'` here: knex would silently switch back to the network driver.
  return knex({ client: ClientPgLite, connection: config.dir ? { filename: config.dir } : {} });
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
