import type { History } from '@temporalio/common/lib/proto-utils';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { PaymentWorkflowResult } from '../src/workflows/payment.messages';
import {
  payoutJanitorWorkflowType,
  type PayoutJanitorResult,
  type PayoutJanitorSettings,
  type PayoutJanitorWorkflow,
} from '../src/workflows/payout-janitor.messages';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import { createPartner, eventually, http, startTestSystem, type TestSystem } from './support/system';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { describeWithPostgres } from './support/test-env';
import { ensureFixture, paymentFixtureName, replayErrors } from './support/history-fixtures';

/**
 * Exactly-once money under the faults that hurt: the bank commits a payout and the answer is lost
 * (a reset, a 503 after the commit), the bank never answers until PAYOUT_TIMEOUT, and the saga's
 * compensation — given back, or failing. Everything is real: the sandbox bank over HTTP, the
 * Temporal dev server, PostgreSQL. The file has a database of its own: the janitor looks at every
 * PAYOUT_UNKNOWN payment of its database, and other files' payments are not this one's to resolve.
 */

const PAYOUT_TIMEOUT = '3s';
const ENV = {
  PAYOUT_TIMEOUT,
  // Completed payments close soon, so their histories can be recorded as fixtures.
  REFUND_WINDOW: '2s',
  ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
};
const FIXTURES_DIR = resolve(__dirname, 'fixtures/histories');
const JANITOR_FIXTURES_DIR = join(FIXTURES_DIR, 'janitor');
const JANITOR_SETTINGS: PayoutJanitorSettings = {
  batchSize: 50,
  activityStartToCloseMs: 5_000,
  retryInitialIntervalMs: 100,
  retryMaxIntervalMs: 500,
  bankAttempts: 3,
};

interface LedgerEntry {
  id: string;
  kind: 'PAYOUT' | 'REFUND';
  payoutId: string | null;
  amountMinor: number;
  paymentId: string;
}

/** The bank takes no API key. */
const bank = (sys: TestSystem, method: string, path: string, body?: unknown, headers = {}) =>
  http(sys.bankUrl!, method, path, body, { authorization: '', ...headers });

const ledgerOf = async (sys: TestSystem, paymentId: string): Promise<LedgerEntry[]> =>
  (await bank(sys, 'GET', `/ledger?paymentId=${encodeURIComponent(paymentId)}`)).body.entries;

const payoutsOf = async (sys: TestSystem, paymentId: string): Promise<LedgerEntry[]> =>
  (await ledgerOf(sys, paymentId)).filter((e) => e.kind === 'PAYOUT');

const pay = async (sys: TestSystem, partnerId: string, amountMinor = 4_200): Promise<string> => {
  const res = await http(sys.apiUrl, 'POST', '/payments', {
    partnerId,
    currency: 'USD',
    lines: [{ reference: `po-${randomUUID().slice(0, 8)}`, amountMinor, description: 'payout outcome test' }],
  });
  if (res.status !== 202) throw new Error(`payment refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
};

const paymentOf = async (sys: TestSystem, id: string) =>
  (await http(sys.apiUrl, 'GET', `/payments/${id}`)).body;

const untilStatus = (sys: TestSystem, id: string, status: string, timeoutMs = 30_000) =>
  eventually(
    () => paymentOf(sys, id),
    (p) => p?.status === status,
    { timeoutMs, intervalMs: 100 },
  );

const workflowResult = (sys: TestSystem, id: string): Promise<PaymentWorkflowResult> =>
  sys.client.workflow.getHandle(paymentWorkflowId(id)).result() as Promise<PaymentWorkflowResult>;

const history = (sys: TestSystem, workflowId: string): Promise<History> =>
  sys.client.workflow.getHandle(workflowId).fetchHistory();

const runJanitor = (sys: TestSystem): Promise<PayoutJanitorResult> =>
  sys.client.workflow.execute<PayoutJanitorWorkflow>(payoutJanitorWorkflowType, {
    taskQueue: sys.taskQueue,
    workflowId: `payout-janitor:test-${randomUUID()}`,
    args: [{ settings: JANITOR_SETTINGS }],
  });

/** A Prometheus sample's value, summed over its label sets; 0 when absent. */
const metric = async (sys: TestSystem, name: string): Promise<number> => {
  const text: string = (await http(sys.apiUrl, 'GET', '/metrics')).body;
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
};

/** Histories of the new paths, recorded once (like payment-replay's) and replayed from then on. */
const recorded = new Map<string, { dir: string; history: History }>();
const keep = (name: string, h: History, dir = FIXTURES_DIR): void =>
  void recorded.set(name, { dir, history: h });

describeWithPostgres('unknown payout outcomes, lost answers and the saga', (sharedUrl) => {
  let scratch: ScratchDatabase | undefined;
  let databaseUrl: string;
  let sys: TestSystem;
  let partnerId: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase(sharedUrl, 'alpes_payout_outcomes');
    databaseUrl = scratch.url;
    sys = await startTestSystem({ ...ENV, DATABASE_URL: databaseUrl });
    partnerId = (await createPartner(sys.apiUrl)).id;
  }, 60_000);

  afterAll(async () => {
    await sys?.stop();
    await scratch?.drop();
  }, 60_000);

  afterEach(() => {
    sys?.bank?.bank.setFaults({ failAfterCommitNext: 0, failAfterCommitRate: 0, failureRate: 0 });
  });

  describe('the sandbox bank loses answers after the commit, and says what it did by key', () => {
    const body = () => ({
      paymentId: `pay-${randomUUID()}`,
      partnerId: 'partner-bank',
      amountMinor: 1_500,
      currency: 'USD',
      account: 'DE89 3704 0044 0532 0130 00',
    });

    it('commits, resets the connection, then answers the lookup and the retry with the one payout', async () => {
      const b = body();
      const key = `payout:${b.paymentId}`;
      sys.bank!.bank.setFaults({ failAfterCommitNext: 1, failAfterCommitMode: 'reset' });
      await expect(bank(sys, 'POST', '/payouts', b, { 'idempotency-key': key })).rejects.toThrow();

      const looked = await bank(sys, 'GET', `/payouts?idempotencyKey=${encodeURIComponent(key)}`);
      expect(looked.status).toBe(200);
      expect(looked.body).toMatchObject({
        idempotencyKey: key,
        outcome: 'PAID',
        payout: { amountMinor: 1_500 },
      });

      const again = await bank(sys, 'POST', '/payouts', b, { 'idempotency-key': key });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replay')).toBe('true');
      expect(again.body.id).toBe(looked.body.payout.id);
      expect(await payoutsOf(sys, b.paymentId)).toHaveLength(1);
    });

    it('can lose the answer as a 503 instead', async () => {
      const b = body();
      sys.bank!.bank.setFaults({ failAfterCommitNext: 1, failAfterCommitMode: '503' });
      const lost = await bank(sys, 'POST', '/payouts', b, { 'idempotency-key': `payout:${b.paymentId}` });
      expect(lost.status).toBe(503);
      expect(await payoutsOf(sys, b.paymentId)).toHaveLength(1);
      sys.bank!.bank.setFaults({ failAfterCommitMode: 'reset' });
    });

    it('voids a key it has nothing under, so a late request with it pays nothing', async () => {
      const b = body();
      const key = `payout:${b.paymentId}`;
      expect((await bank(sys, 'GET', `/payouts?idempotencyKey=${key}`)).body).toEqual({
        idempotencyKey: key,
        outcome: 'NOT_FOUND',
      });
      const voided = await bank(sys, 'POST', '/payouts/void', {}, { 'idempotency-key': key });
      expect(voided.body).toMatchObject({ idempotencyKey: key, outcome: 'VOIDED' });
      const late = await bank(sys, 'POST', '/payouts', b, { 'idempotency-key': key });
      expect(late.status).toBe(410);
      expect(late.body.code).toBe('PAYOUT_VOIDED');
      expect(await payoutsOf(sys, b.paymentId)).toHaveLength(0);
      // Voiding a key that paid tells the payout instead, and voids nothing.
      const paid = body();
      await bank(sys, 'POST', '/payouts', paid, { 'idempotency-key': `payout:${paid.paymentId}` });
      const notVoided = await bank(
        sys,
        'POST',
        '/payouts/void',
        {},
        { 'idempotency-key': `payout:${paid.paymentId}` },
      );
      expect(notVoided.body.outcome).toBe('PAID');
    });
  });

  describe('a payout whose answer was lost is paid once', () => {
    it('retries with the same key after a fail-after-commit: one PAYOUT in the ledger, COMPLETED', async () => {
      sys.bank!.bank.setFaults({ failAfterCommitNext: 1, failAfterCommitMode: 'reset' });
      const id = await pay(sys, partnerId);
      const done = await untilStatus(sys, id, 'COMPLETED');
      const payouts = await payoutsOf(sys, id);
      // With a new key per attempt the bank would have paid twice here.
      expect(payouts).toHaveLength(1);
      expect(done.payoutReference).toBe(payouts[0]!.id);
      expect(sys.bank!.bank.getFaults().failAfterCommitNext).toBe(0);
    });
  });

  describe('unknown payout outcomes: PAYOUT_UNKNOWN, then the janitor asks the bank', () => {
    it('never fails a payout the bank made: PAYOUT_UNKNOWN, visible, then COMPLETED by the janitor', async () => {
      // Every answer is lost after the commit, until PAYOUT_TIMEOUT: the bank paid, we cannot know.
      sys.bank!.bank.setFaults({ failAfterCommitRate: 1, failAfterCommitMode: 'reset' });
      const id = await pay(sys, partnerId);
      const unknown = await untilStatus(sys, id, 'PAYOUT_UNKNOWN');
      expect(unknown.reason).toMatch(/payout outcome unknown/);
      expect(unknown.events.map((e: { type: string }) => e.type)).toContain('PaymentPayoutUnknown');
      const listed = await http(sys.apiUrl, 'GET', '/payments?status=PAYOUT_UNKNOWN');
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((p: { id: string }) => p.id)).toContain(id);
      expect(await metric(sys, 'alpes_payments_unknown')).toBeGreaterThanOrEqual(1);
      const payouts = await payoutsOf(sys, id);
      expect(payouts).toHaveLength(1);

      sys.bank!.bank.setFaults({ failAfterCommitRate: 0 });
      const janitorId = `payout-janitor:test-${randomUUID()}`;
      const run: PayoutJanitorResult = await sys.client.workflow.execute<PayoutJanitorWorkflow>(
        payoutJanitorWorkflowType,
        {
          taskQueue: sys.taskQueue,
          workflowId: janitorId,
          args: [{ settings: JANITOR_SETTINGS }],
        },
      );
      expect(run).toMatchObject({ paid: 1, notPaid: 0, unresolved: 0 });

      const done = await untilStatus(sys, id, 'COMPLETED');
      expect(done.payoutReference).toBe(payouts[0]!.id);
      expect(await payoutsOf(sys, id)).toHaveLength(1);
      expect(await metric(sys, 'alpes_payments_unknown')).toBe(0);
      expect((await workflowResult(sys, id)).status).toBe('COMPLETED');
      keep(paymentFixtureName('payout-unknown-paid'), await history(sys, paymentWorkflowId(id)));
      keep('payout-janitor-run', await history(sys, janitorId), JANITOR_FIXTURES_DIR);
    }, 60_000);

    it('fails a payout the bank never received only once the bank has closed its key', async () => {
      // 503 before the bank does anything: from here that is indistinguishable from a lost answer.
      sys.bank!.bank.setFaults({ failureRate: 1 });
      const id = await pay(sys, partnerId);
      await untilStatus(sys, id, 'PAYOUT_UNKNOWN');
      expect(await payoutsOf(sys, id)).toHaveLength(0);

      sys.bank!.bank.setFaults({ failureRate: 0 });
      expect(await runJanitor(sys)).toMatchObject({ paid: 0, notPaid: 1, unresolved: 0 });
      const failed = await untilStatus(sys, id, 'FAILED');
      expect(failed.reason).toMatch(/^PAYOUT_NOT_RECEIVED: /);
      // The key is closed: the payout request, should it still arrive, moves no money.
      const late = await bank(
        sys,
        'POST',
        '/payouts',
        { paymentId: id, partnerId, amountMinor: 4_200, currency: 'USD', account: 'DE89370400440532013000' },
        { 'idempotency-key': `payout:${id}` },
      );
      expect(late.status).toBe(410);
      expect(await payoutsOf(sys, id)).toHaveLength(0);
      expect((await workflowResult(sys, id)).status).toBe('FAILED');
      keep(paymentFixtureName('payout-unknown-not-paid'), await history(sys, paymentWorkflowId(id)));
    }, 60_000);

    it('leaves a payout unknown while the bank cannot answer the janitor', async () => {
      sys.bank!.bank.setFaults({ failureRate: 1 });
      const id = await pay(sys, partnerId);
      await untilStatus(sys, id, 'PAYOUT_UNKNOWN');
      await sys.bank!.bank.stop();
      try {
        expect(await runJanitor(sys)).toMatchObject({ paid: 0, notPaid: 0, unresolved: 1 });
        expect((await paymentOf(sys, id)).status).toBe('PAYOUT_UNKNOWN');
      } finally {
        await sys.bank!.bank.start(Number(new URL(sys.bankUrl!).port));
        sys.bank!.bank.setFaults({ failureRate: 0 });
      }
      expect(await runJanitor(sys)).toMatchObject({ notPaid: 1 });
      await untilStatus(sys, id, 'FAILED');
    }, 60_000);
  });

  describe('the saga gives the payout back when a step after it fails', () => {
    let faulty: TestSystem;
    beforeAll(async () => {
      faulty = await startTestSystem({ ...ENV, DATABASE_URL: databaseUrl, TEST_FAULTS: 'complete-payment' });
    }, 60_000);
    afterAll(async () => faulty?.stop(), 30_000);

    it('completePayment fails after the payout: the bank shows the reversal, the payment is FAILED', async () => {
      const id = await pay(faulty, partnerId, 3_300);
      const failed = await untilStatus(faulty, id, 'FAILED');
      expect(failed.reason).toMatch(/TEST\.INJECTED_FAULT/);
      const ledger = await ledgerOf(faulty, id);
      const payout = ledger.find((e) => e.kind === 'PAYOUT');
      expect(payout).toBeDefined();
      expect(ledger.filter((e) => e.kind === 'REFUND')).toEqual([
        expect.objectContaining({ kind: 'REFUND', payoutId: payout!.id, amountMinor: 3_300 }),
      ]);
      expect(ledger).toHaveLength(2);
      expect((await workflowResult(faulty, id)).status).toBe('FAILED');
      keep(paymentFixtureName('compensated'), await history(faulty, paymentWorkflowId(id)));
    }, 60_000);
  });

  describe('a compensation that fails leaves a visible, alerting state', () => {
    let broken: TestSystem;
    beforeAll(async () => {
      broken = await startTestSystem({
        ...ENV,
        DATABASE_URL: databaseUrl,
        TEST_FAULTS: 'complete-payment,compensation',
      });
    }, 60_000);
    afterAll(async () => broken?.stop(), 30_000);

    it('ends COMPENSATION_FAILED with the reason and the payout, never stuck in PROCESSING', async () => {
      const id = await pay(broken, partnerId, 2_100);
      const result = await workflowResult(broken, id);
      expect(result.status).toBe('COMPENSATION_FAILED');
      const p = await paymentOf(broken, id);
      expect(p.status).toBe('COMPENSATION_FAILED');
      expect(p.reason).toMatch(/compensation failed: TEST\.INJECTED_FAULT/);
      const payouts = await payoutsOf(broken, id);
      expect(payouts).toHaveLength(1);
      expect(p.payoutReference).toBe(payouts[0]!.id);
      expect(p.events.map((e: { type: string }) => e.type)).toContain('PaymentCompensationFailed');
      expect(await metric(broken, 'alpes_payments_compensation_failed')).toBeGreaterThanOrEqual(1);
      keep(paymentFixtureName('compensation-failed'), await history(broken, paymentWorkflowId(id)));
    }, 60_000);
  });

  describe('the janitor Schedule (JANITOR_SCHEDULE)', () => {
    const scheduleId = `test-janitor-${randomUUID().slice(0, 8)}`;
    let scheduled: TestSystem;
    beforeAll(async () => {
      scheduled = await startTestSystem({
        ...ENV,
        DATABASE_URL: databaseUrl,
        JANITOR_SCHEDULE: '2s',
        JANITOR_SCHEDULE_ID: scheduleId,
      });
    }, 60_000);
    afterAll(async () => {
      await scheduled?.client.schedule
        .getHandle(scheduleId)
        .delete()
        .catch(() => undefined);
      await scheduled?.stop();
    }, 30_000);

    it('is created by the worker and resolves unknown payouts by itself', async () => {
      const d = await scheduled.client.schedule.getHandle(scheduleId).describe();
      expect(d.spec.intervals?.[0]?.every).toBe(2_000);
      expect(d.action).toMatchObject({ workflowType: 'payoutJanitorWorkflow' });

      scheduled.bank!.bank.setFaults({ failAfterCommitRate: 1 });
      const id = await pay(scheduled, partnerId);
      await untilStatus(scheduled, id, 'PAYOUT_UNKNOWN');
      scheduled.bank!.bank.setFaults({ failAfterCommitRate: 0 });
      const done = await untilStatus(scheduled, id, 'COMPLETED', 20_000);
      expect(await payoutsOf(scheduled, id)).toHaveLength(1);
      expect(done.payoutReference).toBe((await payoutsOf(scheduled, id))[0]!.id);
    }, 60_000);
  });

  describe('histories of the new paths replay against the current code', () => {
    it('records them once and replays the recorded ones', async () => {
      const fixtures: Array<{ workflowId: string; history: unknown }> = [];
      for (const [name, { dir, history: h }] of recorded) {
        const file = join(dir, name.endsWith('.json') ? name : `${name}.json`);
        fixtures.push({ workflowId: `fixture:${name}`, history: ensureFixture(file, () => h) });
        fixtures.push({ workflowId: `fresh:${name}`, history: h });
      }
      expect(recorded.size).toBe(5);
      expect(await replayErrors(fixtures, { replayName: 'payout-outcomes-replay' })).toEqual([]);
    }, 60_000);
  });
});
