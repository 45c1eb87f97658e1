import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { migrateToLatest } from '../src/infra/db/database';
import { migrateSandboxBank } from '../src/sandbox-bank/sandbox-bank.migrations';
import {
  connectDatabase,
  hasPgliteCluster,
  initPgliteDir,
  PGLITE_START_PARAMS,
} from '../src/shared/db/knex-database';

/**
 * What the all-in-one's embedded database costs in resident memory: RSS of this process before and
 * after opening (and migrating) the service's PGlite and the sandbox bank's tables, as the launcher does.
 *
 *   node --import tsx bench/pglite-rss.ts [DIR]   the launcher's arrangement, one JSON line (run-bench
 *                                                 reads it); without DIR a fresh folder, as on a first
 *                                                 `make start`; with an existing DIR, a restart
 *   node --import tsx bench/pglite-rss.ts --compare
 *                                                 every arrangement below, fresh folder then restart,
 *                                                 each in a process of its own (WebAssembly memory
 *                                                 never shrinks, so one process measures one thing)
 *   node --import tsx bench/pglite-rss.ts --arrangement NAME [DIR]
 */
type InitDb = 'in-process' | 'child' | 'worker';
interface Arrangement {
  note: string;
  /** The bank's tables in the service's PGlite, or in a second PGlite of its own (`sandbox-bank/`). */
  sharedBank: boolean;
  initdb: InitDb;
  options: PGliteOptions;
}

const DEFAULTS: PGliteOptions = {};
const SMALL_BUFFERS: PGliteOptions = { startParams: PGLITE_START_PARAMS };
const ARRANGEMENTS: Record<string, Arrangement> = {
  before: {
    note: 'earlier versions: two PGlites, initdb in-process, 128 MB buffer cache',
    sharedBank: false,
    initdb: 'in-process',
    options: DEFAULTS,
  },
  'shared-bank': {
    note: 'the bank in the service’s PGlite, alone',
    sharedBank: true,
    initdb: 'in-process',
    options: DEFAULTS,
  },
  'initdb-child': {
    note: 'initdb in a short-lived child process, alone',
    sharedBank: false,
    initdb: 'child',
    options: DEFAULTS,
  },
  'initdb-worker': {
    note: 'initdb in a worker thread, alone',
    sharedBank: false,
    initdb: 'worker',
    options: DEFAULTS,
  },
  'small-buffers': {
    note: 'shared_buffers=16MB, alone',
    sharedBank: false,
    initdb: 'in-process',
    options: SMALL_BUFFERS,
  },
  'initial-memory': {
    note: 'initialMemory 64 MiB, alone (below the module’s own 128 MiB minimum)',
    sharedBank: false,
    initdb: 'in-process',
    options: { initialMemory: 64 * 2 ** 20 },
  },
  'after-own-bank': {
    note: 'as after, but the bank in a second PGlite of its own',
    sharedBank: false,
    initdb: 'child',
    options: SMALL_BUFFERS,
  },
  after: {
    note: 'the launcher now: one PGlite, initdb in a child, shared_buffers=16MB',
    sharedBank: true,
    initdb: 'child',
    options: SMALL_BUFFERS,
  },
};

const rssMb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

const WORKER_INITDB = `const { PGlite } = require(${JSON.stringify(require.resolve('@electric-sql/pglite'))});
const { workerData } = require('node:worker_threads');
PGlite.create(workerData).then((db) => db.close());`;

async function open(dir: string, a: Arrangement): Promise<Knex> {
  // The launcher's own path, so what is measured is what it runs.
  if (a.initdb === 'child' && a.options === SMALL_BUFFERS) return connectDatabase({ kind: 'pglite', dir });
  if (a.initdb === 'child') await initPgliteDir(dir);
  if (a.initdb === 'worker' && !hasPgliteCluster(dir)) {
    mkdirSync(dir, { recursive: true });
    await new Promise<void>((resolve, reject) => {
      const w = new Worker(WORKER_INITDB, { eval: true, workerData: dir });
      w.once('error', reject);
      w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`initdb worker exited ${code}`))));
    });
  }
  mkdirSync(dir, { recursive: true });
  return knex({ client: ClientPgLite, connection: { pglite: new PGlite(dir, a.options) } as never });
}

async function measure(dir: string, a: Arrangement): Promise<Record<string, number>> {
  const before = rssMb();
  const app = await open(join(dir, 'pglite'), a);
  await migrateToLatest(app);
  await app.raw('select 1');
  const afterApp = rssMb();
  const bank = a.sharedBank ? app : await open(join(dir, 'sandbox-bank'), a);
  await migrateSandboxBank(bank);
  const afterBank = rssMb();
  await app.destroy();
  if (bank !== app) await bank.destroy();
  return {
    beforeMb: before,
    appPgliteMb: afterApp - before,
    bankPgliteMb: afterBank - afterApp,
    totalMb: afterBank,
  };
}

function compare(): void {
  const row = (cells: string[]): string => cells.map((c, i) => (i ? c.padStart(28) : c.padEnd(16))).join('');
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);
  out(row(['arrangement', 'fresh: total (app+bank)', 'restart: total (app+bank)']));
  for (const [name, a] of Object.entries(ARRANGEMENTS)) {
    const dir = mkdtempSync(join(tmpdir(), 'alpes-pglite-rss-'));
    try {
      const run = (): string => {
        try {
          const stdout = execFileSync(
            process.execPath,
            [...process.execArgv, __filename, '--arrangement', name, dir],
            { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
          );
          const r = JSON.parse(/\{.*\}/.exec(stdout)![0]) as Record<string, number>;
          return `${r.totalMb} (+${r.appPgliteMb} +${r.bankPgliteMb})`;
        } catch (e) {
          const stderr = String((e as { stderr?: unknown }).stderr ?? e);
          return `fails (${/\w+Error/.exec(stderr)?.[0] ?? 'error'})`;
        }
      };
      out(`${row([name, run(), run()])}   ${a.note}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  out('MB of RSS: the process after opening both (before: ~140 MB of Node, tsx and modules).');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--compare') return compare();
  const name = args[0] === '--arrangement' ? args[1]! : 'after';
  const arrangement = ARRANGEMENTS[name];
  if (!arrangement) throw new Error(`unknown arrangement ${name}: ${Object.keys(ARRANGEMENTS).join(', ')}`);
  const given = args[0] === '--arrangement' ? args[2] : args[0];
  const dir = given ?? mkdtempSync(join(tmpdir(), 'alpes-pglite-rss-'));
  try {
    process.stdout.write(`${JSON.stringify(await measure(dir, arrangement))}\n`);
  } finally {
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}

void main();
