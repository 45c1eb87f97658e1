#!/usr/bin/env node
'use strict';
/**
 * One-shot for the production image (compose service `migrate`): creates the application database
 * if it is missing and runs every migration, once, before the processes start. Each process also
 * migrates at start (a no-op by then); started together against an empty database they would race
 * to create knex's migration tables. Plain JavaScript over the compiled code in dist/.
 */
const { loadConfig } = require('../dist/infra/config');
const { openMigratedDatabase } = require('../dist/infra/db/database');

async function main() {
  const config = loadConfig();
  if (config.database.kind !== 'postgres') {
    throw new Error(
      'set DATABASE_URL: the split-mode processes share one PostgreSQL (PGlite serves one process only)',
    );
  }
  const db = await openMigratedDatabase(config.database);
  try {
    const rows = await db('knex_migrations').select('name').orderBy('id');
    const target = new URL(config.database.url);
    target.password = target.password ? '****' : '';
    process.stdout.write(`database ${target} migrated: ${rows.map((r) => r.name).join(', ')}\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
