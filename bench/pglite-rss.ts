import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest } from '../src/infra/db/database';
import { openDatabase } from '../src/shared/db/knex-database';
import { migrateSandboxBank } from '../src/sandbox-bank/sandbox-bank.migrations';

/**
 * What the all-in-one's embedded databases cost in resident memory: RSS of this process before and
 * after opening (and migrating) the app's PGlite and the sandbox bank's PGlite, as the launcher does.
 * `node --import tsx bench/pglite-rss.ts [DIR]`: without DIR a fresh folder (so PGlite runs initdb
 * first, as on a first `make start`); with an existing DIR, a restart over existing databases.
 */
const rssMb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

async function main(): Promise<void> {
  const given = process.argv[2];
  const dir = given ?? mkdtempSync(join(tmpdir(), 'alpes-pglite-rss-'));
  try {
    const before = rssMb();
    const app = openDatabase({ kind: 'pglite', dir: join(dir, 'pglite') });
    await migrateToLatest(app);
    await app.raw('select 1');
    const afterApp = rssMb();
    const bank = openDatabase({ kind: 'pglite', dir: join(dir, 'sandbox-bank') });
    await migrateSandboxBank(bank);
    const afterBank = rssMb();
    process.stdout.write(
      `${JSON.stringify({ beforeMb: before, appPgliteMb: afterApp - before, bankPgliteMb: afterBank - afterApp, totalMb: afterBank })}\n`,
    );
    await app.destroy();
    await bank.destroy();
  } finally {
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}

void main();
