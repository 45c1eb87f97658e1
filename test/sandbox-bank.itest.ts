import knex, { type Knex } from 'knex';
import { createServer } from 'node:net';
import { DomainError, isDomainError } from '../src/domain/domain-error';
import { openDatabase } from '../src/shared/db/knex-database';
import { HttpPayoutProvider } from '../src/infra/payout/http-payout.provider';
import { migrateSandboxBank, rollbackSandboxBank } from '../src/sandbox-bank/sandbox-bank.migrations';
import { createSandboxBank, type SandboxBank } from '../src/sandbox-bank/sandbox-bank.server';
import { ensureFileDatabase, testEnvironment } from './support/test-env';
import { httpWithoutKey } from './support/system';

const databaseUrl = testEnvironment().databaseUrl;
// This file's own database, copied from the run's migrated template before any test uses it.
beforeAll(() => ensureFileDatabase(), 60_000);
if (!databaseUrl)
  console.warn('!!! sandbox bank: PostgreSQL SKIPPED (no PostgreSQL reachable); PGlite still runs');

const engines: Array<[string, () => Knex]> = [
  ['PGlite (embedded)', () => openDatabase({ kind: 'pglite', dir: null })],
  ...(databaseUrl
    ? ([['PostgreSQL', () => openDatabase({ kind: 'postgres', url: databaseUrl })]] as Array<
        [string, () => Knex]
      >)
    : []),
];

if (!databaseUrl) {
  describe.skip('sandbox bank on PostgreSQL [SKIPPED: no PostgreSQL reachable]', () => {
    it('needs PostgreSQL', () => undefined);
  });
}

const NO_FAULTS = {
  latencyMs: 0,
  failureRate: 0,
  declineRate: 0,
  failNext: 0,
  declineNext: 0,
  hangNext: 0,
  failAfterCommitNext: 0,
  failAfterCommitRate: 0,
  failAfterCommitMode: 'reset' as const,
  // Bank files (test/bank-file-transport.itest.ts).
  rejectNext: 0,
  rejectReason: 'AC04' as const,
  loseNextFile: 0,
  lateReportMs: 0,
  duplicateNextReport: 0,
  // Statements (test/sandbox-bank-statements.itest.ts).
  batchBooking: true,
  omitNextEntry: 0,
  offByOneNextEntry: 0,
  unorderedNextEntry: 0,
  duplicateNextEntry: 0,
  returnNext: 0,
  returnReason: 'AC04' as const,
  returnAfterDays: 0,
  lateReturnMs: 0,
  statementBalanceOffsetMinor: 0,
};
const uid = (): string => globalThis.crypto.randomUUID();
/** A currency code no other test uses, so summaries can be asserted exactly on a shared database. */
const scratchCurrency = (): string =>
  Array.from({ length: 3 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('');

interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** The bank takes no API keys: the suite's HTTP helper, without its default Authorization header. */
const call = httpWithoutKey;

const payoutBody = (over: Record<string, unknown> = {}) => ({
  paymentId: `pay-${uid()}`,
  partnerId: 'partner-bank',
  amountMinor: 150_000,
  currency: 'COP',
  account: 'CO-0012-3456-4321',
  ...over,
});

/** Rejects with what `promise` threw (fails the test if it resolved). */
async function thrown(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

describe.each(engines)('sandbox bank on %s', (engineName, open) => {
  let db: Knex;
  let bank: SandboxBank;
  let url: string;
  let provider: HttpPayoutProvider;

  const post = (path: string, body: unknown, key: string = uid()) =>
    call(url, 'POST', path, body, { 'idempotency-key': key });
  const ledger = async (paymentId: string) =>
    (await call(url, 'GET', `/ledger?paymentId=${encodeURIComponent(paymentId)}`)).body.entries as any[];

  beforeAll(async () => {
    db = open();
    await migrateSandboxBank(db);
    bank = createSandboxBank({ db });
    url = await bank.start(0, '127.0.0.1');
    provider = new HttpPayoutProvider({ baseUrl: url, timeoutMs: 5_000 });
  });
  afterEach(() => bank.setFaults(NO_FAULTS));
  afterAll(async () => {
    await bank?.stop();
    await db?.destroy();
  });

  it('pays a new payout once and replays it for the same key and body', async () => {
    const key = uid();
    const body = payoutBody();
    const first = await post('/payouts', body, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replay')).toBeNull();
    expect(first.body).toEqual({
      id: expect.any(String),
      kind: 'PAYOUT',
      status: 'PAID',
      amountMinor: 150_000,
      currency: 'COP',
      paymentId: body.paymentId,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });

    // Field order is not part of the request's identity.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const replay = await post('/payouts', reordered, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect(replay.body).toEqual(first.body);

    const entries = await ledger(body.paymentId);
    expect(entries).toEqual([
      {
        id: first.body.id,
        kind: 'PAYOUT',
        payoutId: null,
        amountMinor: 150_000,
        currency: 'COP',
        account: '****4321',
        paymentId: body.paymentId,
        createdAt: first.body.createdAt,
      },
    ]);
    const stored = await db('sandbox_bank_ledger').where({ id: first.body.id }).first();
    expect(JSON.stringify(stored)).not.toContain('3456');
  });

  it('refuses the same key with a different body (422) and moves no money', async () => {
    const key = uid();
    const body = payoutBody();
    expect((await post('/payouts', body, key)).status).toBe(201);
    const other = await post('/payouts', { ...body, amountMinor: 999 }, key);
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    // A refund under a payout's key is a different request too.
    const asRefund = await post(
      '/refunds',
      { payoutId: uid(), paymentId: body.paymentId, amountMinor: 1, currency: 'COP' },
      key,
    );
    expect(asRefund.status).toBe(422);
    expect(await ledger(body.paymentId)).toHaveLength(1);
  });

  it('writes exactly one ledger row for 20 concurrent requests with one key', async () => {
    const key = uid();
    const body = payoutBody();
    // Open the pool's connections first so the burst really runs side by side instead of
    // queueing behind the connects.
    await Promise.all(Array.from({ length: 10 }, () => db.raw('select pg_sleep(0.05)')));
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('/payouts', body, key)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replay') === 'true')).toHaveLength(19);
    const entries = await ledger(body.paymentId);
    expect(entries).toHaveLength(1);
    expect(entries[0].id).toBe(answers[0]!.body.id);
  });

  it('declines the magic account ending in 0000 (402), and the adapter throws PAYOUT_DECLINED', async () => {
    const key = uid();
    const body = payoutBody({ account: 'CO-7777-0000' });
    const declined = await post('/payouts', body, key);
    expect(declined.status).toBe(402);
    expect(declined.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(declined.body).toMatchObject({ status: 402, code: 'PAYOUT_DECLINED', detail: expect.any(String) });
    // A decline is a final answer: replayed, not re-decided.
    const replay = await post('/payouts', body, key);
    expect(replay.status).toBe(402);
    expect(replay.headers.get('idempotent-replay')).toBe('true');

    const err = await thrown(
      provider.payout({
        idempotencyKey: uid(),
        paymentId: body.paymentId,
        partnerId: body.partnerId,
        amountMinor: body.amountMinor,
        currency: body.currency,
        payoutAccount: body.account,
      }),
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('PAYOUT_DECLINED');
    expect(err.message).not.toContain('7777');
    expect(await ledger(body.paymentId)).toEqual([]);
  });

  it('declines on injected declineNext, for new payouts only', async () => {
    const paymentId = `pay-${uid()}`;
    bank.setFaults({ declineNext: 1 });
    const request = {
      paymentId,
      partnerId: 'partner-bank',
      amountMinor: 700,
      currency: 'USD',
      payoutAccount: '12345678',
    };
    const err = await thrown(provider.payout({ ...request, idempotencyKey: uid() }));
    expect(isDomainError(err) && err.code).toBe('PAYOUT_DECLINED');
    expect(bank.getFaults().declineNext).toBe(0);
    await expect(provider.payout({ ...request, idempotencyKey: uid() })).resolves.toEqual({
      reference: expect.any(String),
    });
    expect(await ledger(paymentId)).toHaveLength(1);
  });

  it('failNext: 2 makes the first two adapter calls fail transiently; the retry pays once', async () => {
    const paymentId = `pay-${uid()}`;
    await call(url, 'PUT', '/admin/faults', { failNext: 2 });
    const request = {
      idempotencyKey: uid(),
      paymentId,
      partnerId: 'partner-bank',
      amountMinor: 4_200,
      currency: 'EUR',
      payoutAccount: 'DE89370400440532013000',
    };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const err = await thrown(provider.payout(request));
      expect(isDomainError(err)).toBe(false);
      expect(err.message).toMatch(/503/);
      expect(err.message).not.toContain(request.payoutAccount);
    }
    const receipt = await provider.payout(request);
    const entries = await ledger(paymentId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ id: receipt.reference, account: '****3000' });
    expect((await call(url, 'GET', '/admin/faults')).body.failNext).toBe(0);
  });

  it('a 503 from failureRate moves no money and says when to retry', async () => {
    bank.setFaults({ failureRate: 1 });
    const body = payoutBody();
    const answer = await post('/payouts', body);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(await ledger(body.paymentId)).toEqual([]);
  });

  it('hangNext makes the adapter give up at its own timeout with a plain Error', async () => {
    await call(url, 'PUT', '/admin/faults', { hangNext: 1 });
    const quick = new HttpPayoutProvider({ baseUrl: url, timeoutMs: 200 });
    const startedAt = Date.now();
    const err = await thrown(
      quick.payout({
        idempotencyKey: uid(),
        paymentId: `pay-${uid()}`,
        partnerId: 'partner-bank',
        amountMinor: 100,
        currency: 'USD',
        payoutAccount: '99998888',
      }),
    );
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(isDomainError(err)).toBe(false);
    expect(err.message).toMatch(/timed out after 200ms/);
    expect(bank.getFaults().hangNext).toBe(0);
  });

  it('latencyMs delays answers', async () => {
    bank.setFaults({ latencyMs: 150 });
    const startedAt = Date.now();
    expect((await post('/payouts', payoutBody())).status).toBe(201);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
  });

  it('stop cuts an injected hang short with a 503 and no effect', async () => {
    const other = createSandboxBank({ db, faults: { hangNext: 1 } });
    const otherUrl = await other.start(0, '127.0.0.1');
    const body = payoutBody();
    const hung = call(otherUrl, 'POST', '/payouts', body, { 'idempotency-key': uid() });
    await new Promise((r) => setTimeout(r, 200));
    const startedAt = Date.now();
    await other.stop();
    expect((await hung).status).toBe(503);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(await ledger(body.paymentId)).toEqual([]);
  });

  it('refunds a payout, partially and then fully, and refuses over-refunds (422)', async () => {
    const paymentId = `pay-${uid()}`;
    const { reference: payoutId } = await provider.payout({
      idempotencyKey: uid(),
      paymentId,
      partnerId: 'partner-bank',
      amountMinor: 10_000,
      currency: 'USD',
      payoutAccount: '11112222',
    });
    const refund = (amountMinor: number, over: Record<string, unknown> = {}) =>
      provider.refund({
        idempotencyKey: uid(),
        paymentId,
        payoutReference: payoutId,
        amountMinor,
        currency: 'USD',
        ...over,
      });

    const key = uid();
    const first = await post('/refunds', { payoutId, paymentId, amountMinor: 4_000, currency: 'USD' }, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ kind: 'REFUND', status: 'REFUNDED', payoutId, amountMinor: 4_000 });
    const replay = await post('/refunds', { payoutId, paymentId, amountMinor: 4_000, currency: 'USD' }, key);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);

    const over = await post('/refunds', { payoutId, paymentId, amountMinor: 6_001, currency: 'USD' });
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ code: 'REFUND_NOT_ALLOWED' });
    const overErr = await thrown(refund(6_001));
    expect(isDomainError(overErr) && overErr.code).toBe('REFUND_NOT_ALLOWED');

    const currencyErr = await thrown(refund(1, { currency: 'EUR' }));
    expect(isDomainError(currencyErr) && currencyErr.code).toBe('REFUND_NOT_ALLOWED');

    const rest = await refund(6_000);
    const fullErr = await thrown(refund(1));
    expect(isDomainError(fullErr) && fullErr.code).toBe('REFUND_NOT_ALLOWED');
    expect(fullErr.message).toMatch(/fully refunded/);

    const entries = await ledger(paymentId);
    // Rows written in the same millisecond may list in either order.
    expect(entries.map((e) => [e.id, e.kind, e.amountMinor, e.payoutId])).toEqual(
      expect.arrayContaining([
        [payoutId, 'PAYOUT', 10_000, null],
        [first.body.id, 'REFUND', 4_000, payoutId],
        [rest.reference, 'REFUND', 6_000, payoutId],
      ]),
    );
    expect(entries).toHaveLength(3);
  });

  it('answers 404 for a refund of an unknown payout; the adapter calls it a provider rejection', async () => {
    const paymentId = `pay-${uid()}`;
    const answer = await post('/refunds', { payoutId: uid(), paymentId, amountMinor: 1, currency: 'USD' });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'PAYOUT_NOT_FOUND' });
    const err = await thrown(
      provider.refund({
        idempotencyKey: uid(),
        paymentId,
        payoutReference: uid(),
        amountMinor: 1,
        currency: 'USD',
      }),
    );
    expect(isDomainError(err) && err.code).toBe('PAYOUT_PROVIDER_REJECTED');
  });

  it('summarises the ledger per currency: net = payouts − refunds', async () => {
    const currency = scratchCurrency();
    const paymentId = `pay-${uid()}`;
    const pay = (amountMinor: number) =>
      provider.payout({
        idempotencyKey: uid(),
        paymentId,
        partnerId: 'partner-bank',
        amountMinor,
        currency,
        payoutAccount: '55556666',
      });
    const { reference } = await pay(5_000);
    await pay(3_000);
    await provider.refund({
      idempotencyKey: uid(),
      paymentId,
      payoutReference: reference,
      amountMinor: 1_200,
      currency,
    });

    const { status, body } = await call(url, 'GET', '/ledger/summary');
    expect(status).toBe(200);
    expect(body.currencies[currency]).toEqual({
      payoutsMinor: 8_000,
      refundsMinor: 1_200,
      netMinor: 6_800,
      payoutCount: 2,
      refundCount: 1,
    });
    for (const totals of Object.values(body.currencies) as any[]) {
      expect(totals.netMinor).toBe(totals.payoutsMinor - totals.refundsMinor);
    }
    const byCurrency = await call(url, 'GET', `/ledger?currency=${currency}`);
    expect(byCurrency.body.entries).toHaveLength(3);
  });

  it('answers malformed requests with 400 problem+json, never 500', async () => {
    const good = payoutBody();
    const cases: Array<[string, Promise<HttpAnswer>]> = [
      ['malformed JSON', call(url, 'POST', '/payouts', '{"paymentId":', { 'idempotency-key': uid() })],
      ['missing Idempotency-Key', call(url, 'POST', '/payouts', good)],
      ['blank Idempotency-Key', post('/payouts', good, '   ')],
      ['no body', call(url, 'POST', '/payouts', undefined, { 'idempotency-key': uid() })],
      ['array body', post('/payouts', [good])],
      ['fractional amount', post('/payouts', { ...good, amountMinor: 1.5 })],
      ['amount as string', post('/payouts', { ...good, amountMinor: '100' })],
      ['negative amount', post('/payouts', { ...good, amountMinor: -5 })],
      ['unsafe amount', post('/payouts', { ...good, amountMinor: 2 ** 53 })],
      ['lower-case currency', post('/payouts', { ...good, currency: 'usd' })],
      ['missing account', post('/payouts', { ...good, account: undefined })],
      [
        'refund of a non-uuid payout',
        post('/refunds', { payoutId: 'x', paymentId: 'p', amountMinor: 1, currency: 'USD' }),
      ],
      ['bad ledger filter', call(url, 'GET', '/ledger?currency=usd')],
      ['bad fault rate', call(url, 'PUT', '/admin/faults', { failureRate: 2 })],
      ['unknown fault', call(url, 'PUT', '/admin/faults', { explode: true })],
    ];
    for (const [label, pending] of cases) {
      const answer = await pending;
      expect({ label, status: answer.status }).toEqual({ label, status: 400 });
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 400, title: expect.any(String) });
    }
    expect(await ledger(good.paymentId)).toEqual([]);
    expect(bank.getFaults()).toEqual(NO_FAULTS);
  });

  it('exposes faults over HTTP and merges partial updates', async () => {
    expect((await call(url, 'GET', '/admin/faults')).body).toEqual(NO_FAULTS);
    const put = await call(url, 'PUT', '/admin/faults', { latencyMs: 5, declineRate: 0.5 });
    expect(put.body).toEqual({ ...NO_FAULTS, latencyMs: 5, declineRate: 0.5 });
    await call(url, 'PUT', '/admin/faults', { latencyMs: 0 });
    expect(bank.getFaults()).toEqual({ ...NO_FAULTS, declineRate: 0.5 });
    expect((await call(url, 'GET', '/healthz')).body).toEqual({ status: 'up' });
  });

  it('the adapter reports a refused connection as a plain Error', async () => {
    const dead = new HttpPayoutProvider({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      timeoutMs: 2_000,
    });
    const err = await thrown(
      dead.payout({
        idempotencyKey: uid(),
        paymentId: `pay-${uid()}`,
        partnerId: 'partner-bank',
        amountMinor: 1,
        currency: 'USD',
        payoutAccount: '31415926',
      }),
    );
    expect(isDomainError(err)).toBe(false);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).not.toContain('31415926');
  });

  it('migrations roll back and re-apply cleanly', async () => {
    // A schema of its own on PostgreSQL: other test files share the database's public schema.
    const isolated =
      databaseUrl && engineName === 'PostgreSQL' ? await isolatedSchema(databaseUrl) : undefined;
    const scratch = isolated?.scratch ?? open();
    const schema = isolated?.schema;
    try {
      await migrateSandboxBank(scratch);
      await rollbackSandboxBank(scratch);
      expect(await scratch.schema.hasTable('sandbox_bank_ledger')).toBe(false);
      await migrateSandboxBank(scratch);
      expect(await scratch.schema.hasTable('sandbox_bank_idempotency')).toBe(true);
      expect(await scratch.schema.hasTable('sandbox_bank_migrations')).toBe(true);
    } finally {
      await scratch.destroy();
      if (schema) await dropSchema(databaseUrl!, schema);
    }
  });
});

async function isolatedSchema(url: string): Promise<{ scratch: Knex; schema: string }> {
  const schema = `sandbox_bank_check_${process.pid}_${Date.now()}`;
  const admin = openDatabase({ kind: 'postgres', url });
  await admin.raw(`create schema ${schema}`);
  await admin.destroy();
  return {
    scratch: knex({ client: 'pg', connection: url, searchPath: [schema], pool: { min: 0, max: 2 } }),
    schema,
  };
}

/** Only the schema this file created: the public schema is shared with other test files. */
async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = openDatabase({ kind: 'postgres', url });
  await admin.raw(`drop schema ${schema} cascade`);
  await admin.destroy();
}
