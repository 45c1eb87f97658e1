import type { Knex } from 'knex';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMigratedDatabase } from '../src/infra/db/database';
import { runSandboxBank, type RunningSandboxBank } from '../src/sandbox-bank/sandbox-bank.service';
import type { BankLogger } from '../src/sandbox-bank/sandbox-bank.server';
import { hasPgliteCluster, initPgliteDir, openDatabase } from '../src/shared/db/knex-database';
import { httpWithoutKey } from './support/system';

/**
 * The all-in-one on PGlite: the sandbox bank keeps its tables in the service's PGlite (one instance
 * per process, not two), except over a DATA_DIR whose bank already has a PGlite folder of its own —
 * an earlier version's — whose ledger must not be left behind. And a new PGlite folder is created
 * out of process, so the long-lived process never holds initdb's memory.
 */
const uid = (): string => globalThis.crypto.randomUUID();
const call = httpWithoutKey;
const payout = (base: string, paymentId: string) =>
  call(
    base,
    'POST',
    '/payouts',
    {
      paymentId,
      partnerId: 'partner-1',
      amountMinor: 12_000,
      currency: 'USD',
      account: 'DE89 3704 0044 0532 0130 00',
    },
    { 'idempotency-key': `payout:${paymentId}` },
  );

function recordingLogger(): BankLogger & { lines: string[] } {
  const lines: string[] = [];
  const add = (_obj: object, msg: string): void => void lines.push(msg);
  return { lines, info: add, warn: add, error: add };
}

describe('the sandbox bank in the all-in-one, on PGlite', () => {
  let dataDir: string;
  let app: Knex | undefined;
  let bank: RunningSandboxBank | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'alpes-bank-shared-'));
  });

  afterEach(async () => {
    await bank?.stop();
    await app?.destroy();
    bank = undefined;
    app = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const openApp = async (): Promise<Knex> =>
    (app = await openMigratedDatabase({ kind: 'pglite', dir: join(dataDir, 'pglite') }));
  const startBank = async (sharedDb: Knex | undefined, logger?: BankLogger): Promise<string> => {
    bank = await runSandboxBank({
      databaseUrl: undefined,
      dataDir,
      sharedDb,
      port: 0,
      host: '127.0.0.1',
      logger,
    });
    return bank.url;
  };

  it('keeps its tables in the service’s PGlite on a fresh DATA_DIR, and leaves that handle open on stop', async () => {
    const db = await openApp();
    const url = await startBank(db);
    const paymentId = `pay-${uid()}`;
    expect((await payout(url, paymentId)).status).toBe(201);

    expect(existsSync(join(dataDir, 'sandbox-bank'))).toBe(false);
    const rows = await db('sandbox_bank_ledger').where({ payment_reference: paymentId });
    expect(rows).toHaveLength(1);

    await bank!.stop();
    bank = undefined;
    await expect(db.raw('select 1')).resolves.toBeDefined();
  });

  it('keeps using a bank PGlite folder an earlier version left in DATA_DIR, so its ledger is not lost', async () => {
    // What earlier versions did (and the standalone bank still does): a PGlite of the bank's own.
    const before = await startBank(undefined);
    const paymentId = `pay-${uid()}`;
    expect((await payout(before, paymentId)).status).toBe(201);
    await bank!.stop();
    bank = undefined;
    expect(hasPgliteCluster(join(dataDir, 'sandbox-bank'))).toBe(true);

    const db = await openApp();
    const logger = recordingLogger();
    const url = await startBank(db, logger);

    const { body } = await call(url, 'GET', `/ledger?paymentId=${paymentId}`);
    expect(body.entries).toEqual([
      expect.objectContaining({ paymentId, kind: 'PAYOUT', amountMinor: 12_000 }),
    ]);
    // The same payout again is a replay of the first answer, not a second payout.
    const again = await payout(url, paymentId);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replay')).toBe('true');
    expect(await db.schema.hasTable('sandbox_bank_ledger')).toBe(false);
    expect(logger.lines.some((l) => /keeping its own PGlite from an earlier version/.test(l))).toBe(true);
  });

  it('shares the service’s PGlite when a bank folder exists but holds no database', async () => {
    mkdirSync(join(dataDir, 'sandbox-bank'));
    const db = await openApp();
    await startBank(db);
    expect(await db.schema.hasTable('sandbox_bank_ledger')).toBe(true);
  });
});

describe('a new PGlite folder', () => {
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'alpes-initdb-'));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it.each([
    ['missing', () => undefined],
    ['empty', (dir: string) => void mkdirSync(dir)],
  ])('is created out of process when %s, built aside and renamed into place', async (_name, prepare) => {
    const dir = join(parent, 'pglite');
    prepare(dir);
    await initPgliteDir(dir);
    expect(hasPgliteCluster(dir)).toBe(true);
    expect(readdirSync(parent)).toEqual(['pglite']);

    const db = openDatabase({ kind: 'pglite', dir });
    try {
      await db.raw('create table t (n int)');
      await db('t').insert({ n: 1 });
    } finally {
      await db.destroy();
    }
    // Opening it again finds the database (and the row), not a fresh one.
    await initPgliteDir(dir);
    const again = openDatabase({ kind: 'pglite', dir });
    try {
      expect(await again('t').select('n')).toEqual([{ n: 1 }]);
    } finally {
      await again.destroy();
    }
  });

  it('runs with a small buffer cache (RSS: Postgres’ default 128 MB is touched at start)', async () => {
    const db = openDatabase({ kind: 'pglite', dir: null });
    try {
      const { rows } = (await db.raw('show shared_buffers')) as { rows: Array<{ shared_buffers: string }> };
      expect(rows[0]!.shared_buffers).toBe('16MB');
    } finally {
      await db.destroy();
    }
  });
});
