import knex, { type Knex } from 'knex';
import { Payment } from '../src/domain/payment.aggregate';
import { migrateToLatest, rollbackAll } from '../src/infra/db/database';
import { openDatabase } from '../src/shared/db/knex-database';
import { readEvents } from '../src/infra/db/event-log';
import { OptimisticConcurrencyError } from '../src/infra/db/payment.repository';
import { PaymentQueries } from '../src/infra/db/payment.queries';
import { KnexUnitOfWork } from '../src/infra/db/unit-of-work';
import { ensureFileDatabase, testEnvironment } from './support/test-env';

const databaseUrl = testEnvironment().databaseUrl;
// This file's own database, copied from the run's migrated template before any test uses it.
beforeAll(() => ensureFileDatabase(), 60_000);
if (!databaseUrl)
  console.warn('!!! payment repository: PostgreSQL SKIPPED (no PostgreSQL reachable); PGlite still runs');

const engines: Array<[string, () => Knex]> = [
  ['PGlite (embedded)', () => openDatabase({ kind: 'pglite', dir: null })],
  ...(databaseUrl
    ? ([['PostgreSQL', () => openDatabase({ kind: 'postgres', url: databaseUrl })]] as Array<
        [string, () => Knex]
      >)
    : []),
];

const newPayment = (partnerId = 'partner-repo') =>
  Payment.create({
    id: globalThis.crypto.randomUUID(),
    partnerId,
    currency: 'JPY',
    lines: [
      { reference: 'a', amountMinor: 500, description: 'first' },
      { reference: 'b', amountMinor: 700, description: 'second' },
    ],
    createdBy: 'tester',
    now: new Date('2026-01-02T03:04:05.000Z'),
  });

describe.each(engines)('payment repository and event log on %s', (_name, open) => {
  let db: Knex;
  let uow: KnexUnitOfWork;
  beforeAll(async () => {
    db = open();
    await migrateToLatest(db);
    uow = new KnexUnitOfWork(db);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('saves a new payment with its lines and events in one transaction, and reads it back', async () => {
    const payment = newPayment();
    let commits = 0;
    const off = uow.onCommit(() => commits++);
    await uow.run(async ({ payments, events }) => {
      await payments.save(payment);
      await events.append(payment.pullEvents(), { workflowId: 'wf-1', runId: 'run-1' });
    });
    off();
    expect(commits).toBe(1);

    const loaded = await uow.run(({ payments }) => payments.findById(payment.id));
    expect(loaded?.toSnapshot()).toEqual(payment.toSnapshot());

    const view = await new PaymentQueries(db).getById(payment.id);
    expect(view?.lines.map((l) => l.reference)).toEqual(['a', 'b']);
    expect(view?.totalMinor).toBe(1200);
    expect(view?.events).toHaveLength(1);
    expect(view?.events[0]).toMatchObject({
      type: 'PaymentCreated',
      workflowId: 'wf-1',
      runId: 'run-1',
      partnerId: 'partner-repo',
    });
  });

  it('rolls back the state change when appending events fails', async () => {
    const payment = newPayment();
    const events = payment.pullEvents();
    await expect(
      uow.run(async (tx) => {
        await tx.payments.save(payment);
        await tx.events.append([...events, events[0]!], { workflowId: null, runId: null }); // duplicate event id
      }),
    ).rejects.toThrow();
    expect(await new PaymentQueries(db).getById(payment.id)).toBeUndefined();
  });

  it('refuses a save from a stale version (optimistic concurrency)', async () => {
    const payment = newPayment();
    await uow.run(({ payments }) => payments.save(payment));
    const a = (await uow.run(({ payments }) => payments.findById(payment.id)))!;
    const b = (await uow.run(({ payments }) => payments.findById(payment.id)))!;
    a.startProcessing(new Date());
    b.cancel('someone', null, new Date());
    await uow.run(({ payments }) => payments.save(a));
    await expect(uow.run(({ payments }) => payments.save(b))).rejects.toBeInstanceOf(
      OptimisticConcurrencyError,
    );
    expect((await new PaymentQueries(db).getById(payment.id))?.status).toBe('PROCESSING');
  });

  it('numbers events with consecutive positions in commit order', async () => {
    const before = await readEvents(db, {});
    const last = before.at(-1)?.position ?? 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const p = newPayment();
        await uow.run(async (tx) => {
          await tx.payments.save(p);
          await tx.events.append(p.pullEvents(), { workflowId: null, runId: null });
        });
      }),
    );
    const after = await readEvents(db, { afterPosition: last });
    expect(after.map((e) => e.position)).toEqual(Array.from({ length: 10 }, (_, i) => last + i + 1));
  });

  it('migrations roll back and re-apply cleanly', async () => {
    // A schema of its own on PostgreSQL: other test files share the database's public schema.
    const scratch = databaseUrl && _name === 'PostgreSQL' ? await isolatedSchema(databaseUrl) : open();
    try {
      await migrateToLatest(scratch);
      await rollbackAll(scratch);
      expect(await scratch.schema.hasTable('payments')).toBe(false);
      await migrateToLatest(scratch);
      expect(await scratch.schema.hasTable('events')).toBe(true);
    } finally {
      await scratch.destroy();
    }
  });
});

async function isolatedSchema(url: string): Promise<Knex> {
  const schema = `migration_check_${process.pid}_${Date.now()}`;
  const admin = openDatabase({ kind: 'postgres', url });
  await admin.raw(`create schema ${schema}`);
  await admin.destroy();
  return knex({ client: 'pg', connection: url, searchPath: [schema], pool: { min: 0, max: 2 } });
}
