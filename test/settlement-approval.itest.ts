import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { openDatabase } from '../src/shared/db/knex-database';
import type { CommissionInput as Commission } from '../src/api/commission.schemas';
import {
  createPartner,
  eventually,
  http,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { describeWithPostgres } from './support/test-env';
import { ensureFixture, readFixtureDir, replayErrors } from './support/history-fixtures';

/**
 * A settlement run approved as a whole (issue 24, item 5) on the real Temporal dev server,
 * PostgreSQL and the sandbox bank over HTTP: a run over SETTLEMENT_APPROVAL_THRESHOLDS waits with
 * its preview and starts no payout; its starter cannot decide it; a second operator approves it
 * (its payouts, each above the payment threshold, do not ask again), rejects it (nothing paid,
 * every commission payable again) or lets it expire (released). A run under its thresholds pays
 * at once. The suite has a database of its own: a run claims every payable commission of its period.
 */

const DAY = 86_400_000;
// Run ids are the periods': far back from the other settlement files' periods, so runs of this
// file never meet theirs on the shared Temporal dev server (the same id would be "started before").
const today = Date.now() - 200 * DAY;
const dayOf = (offset: number): string => new Date(today + offset * DAY).toISOString().slice(0, 10);
const noonOf = (offset: number): string => `${dayOf(offset)}T12:00:00.000Z`;

const ENV = {
  COMMISSION_HOLD: '1h',
  PAYOUT_MINIMUMS: JSON.stringify({ EUR: 1_000, USD: 1_000 }),
  // Each payout of the approved run is above this: without the run's approval each would wait.
  APPROVAL_THRESHOLDS: JSON.stringify({ EUR: 5_000, USD: 5_000 }),
  SETTLEMENT_APPROVAL_THRESHOLDS: JSON.stringify({ EUR: 20_000, USD: 20_000 }),
  // Long enough to decide in under load, short enough for the expiry test to wait for it.
  SETTLEMENT_APPROVAL_TIMEOUT: '30s',
  SETTLEMENT_POLL_INTERVAL: '200ms',
  ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
  REFUND_WINDOW: '10m',
};

const FIXTURES_DIR = resolve(__dirname, 'fixtures/histories/settlement');

describeWithPostgres('settlement runs approved as a whole', (sharedUrl) => {
  let sys: TestSystem;
  let db: Knex;
  let scratch: ScratchDatabase | undefined;

  const accrue = async (partnerId: string, currency: string, amountMinor: number, day: number) => {
    const c: Commission = {
      externalRef: `appr-${randomUUID()}`,
      partnerId,
      currency,
      amountMinor,
      description: 'approval test',
      occurredAt: noonOf(day),
    };
    const res = await sys.api('POST', '/commissions', [c]);
    if (res.status !== 201) throw new Error(`commission refused: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const partners = async (n: number, currency: string, amountMinor: number, day: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const { id } = await createPartner(sys.apiUrl);
      await accrue(id, currency, amountMinor, day);
      ids.push(id);
    }
    return ids;
  };
  const runOf = (id: string) => sys.api('GET', `/settlements/${encodeURIComponent(id)}`);
  const untilStatus = (id: string, status: string, timeoutMs = 90_000) =>
    eventually(
      () => runOf(id),
      (r) => r.status === 200 && r.body.status === status,
      { timeoutMs, intervalMs: 300 },
    );
  const decide = (
    id: string,
    action: 'approve' | 'reject',
    key: string,
    body: Record<string, unknown> = {},
  ) => sys.api('POST', `/settlements/${encodeURIComponent(id)}/${action}`, body, key);
  const bankPayouts = async (paymentIds: string[]): Promise<number> => {
    const entries: Array<{ kind: string; paymentId: string }> = (
      await http(sys.bankUrl!, 'GET', '/ledger?limit=1000')
    ).body.entries;
    return entries.filter((e) => e.kind === 'PAYOUT' && paymentIds.includes(e.paymentId)).length;
  };
  const commissionsOf = (ids: string[]) =>
    db('commissions').whereIn('partner_id', ids).select('status', 'settlement_id');
  const eventTypes = async (settlementId: string) =>
    (
      await db('events')
        .where({ aggregate_type: 'Settlement', aggregate_id: settlementId })
        .orderBy('position')
    ).map((e: { type: string }) => e.type);
  const countOf = async (q: Knex.QueryBuilder): Promise<number> => Number((await q.count({ n: '*' }))[0].n);
  const historyOf = (id: string) => sys.client.workflow.getHandle(id).fetchHistory();

  beforeAll(async () => {
    scratch = await createScratchDatabase(sharedUrl, 'alpes_settle_approval');
    sys = await startTestSystem({ ...ENV, DATABASE_URL: scratch.url }, ['bank', 'worker', 'api']);
    db = openDatabase({ kind: 'postgres', url: scratch.url });
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await sys?.stop();
    await scratch?.drop();
  }, 60_000);

  it('pays a run under its thresholds at once, with no approval', async () => {
    const ids = await partners(2, 'EUR', 2_000, -9);
    const started = await sys.api('POST', '/settlements', { periodEnd: dayOf(-8) }, TEST_KEYS.alice);
    expect(started.status).toBe(202);
    const done = await untilStatus(started.body.settlementId, 'COMPLETED');
    expect(done.body.approval).toBeNull();
    expect(done.body.preview).toBeNull();
    expect((await commissionsOf(ids)).map((c) => c.status)).toEqual(['SETTLED', 'SETTLED']);
  }, 120_000);

  describe('a run over its threshold', () => {
    let settlementId: string;
    let eur: string[];
    let small: string | undefined;
    let usd: string | undefined;
    const PERIOD = dayOf(-6);

    it('waits for approval with its preview, and starts no payout', async () => {
      // 25 × 6,000 EUR = 150,000 > 20,000; one EUR balance under the minimum; USD under its threshold.
      eur = await partners(25, 'EUR', 6_000, -7);
      [small] = await partners(1, 'EUR', 500, -7);
      [usd] = await partners(1, 'USD', 7_000, -7);
      // One partner earns more, so "largest first" has a first.
      await accrue(eur[3]!, 'EUR', 4_000, -7);
      const started = await sys.api('POST', '/settlements', { periodEnd: PERIOD }, TEST_KEYS.alice);
      expect(started.status).toBe(202);
      settlementId = started.body.settlementId;

      const run = await untilStatus(settlementId, 'AWAITING_APPROVAL');
      expect(run.body.approval).toMatchObject({ status: 'AWAITING', decidedBy: null });
      expect(run.body.approval.reasons).toEqual(['EUR: total 154000 is above the threshold 20000']);
      expect(Date.parse(run.body.approval.deadline)).toBeGreaterThan(Date.now());
      const { EUR, USD } = run.body.preview;
      expect(EUR).toMatchObject({ partners: 25, totalMinor: '154000', skipped: { BELOW_MINIMUM: 1 } });
      expect(EUR.largest).toHaveLength(20);
      expect(EUR.largest[0]).toMatchObject({ partnerId: eur[3], netMinor: '10000' });
      expect(EUR.largest.slice(1).every((p: { netMinor: string }) => p.netMinor === '6000')).toBe(true);
      expect(USD).toMatchObject({
        partners: 1,
        totalMinor: '7000',
        largest: [{ partnerId: usd, netMinor: '7000' }],
      });
      expect(run.body.items.map((i: { paymentStatus: string }) => i.paymentStatus)).toEqual(
        Array(26).fill('NOT_RECORDED'),
      );
      expect(await countOf(db('payments').whereIn('partner_id', [...eur, usd!]))).toBe(0);
      expect(await eventTypes(settlementId)).toEqual(['SettlementStarted', 'SettlementAwaitingApproval']);
      const list = await sys.api('GET', '/settlements');
      expect(list.body.items.find((r: { id: string }) => r.id === settlementId)).toMatchObject({
        status: 'AWAITING_APPROVAL',
        approval: { status: 'AWAITING' },
      });
    }, 180_000);

    it('refuses its starter and a viewer, then a second operator approves it', async () => {
      const self = await decide(settlementId, 'approve', TEST_KEYS.alice);
      expect(self.status).toBe(409);
      expect(self.body.code).toBe('SETTLEMENT.FOUR_EYES_VIOLATION');
      expect((await decide(settlementId, 'approve', TEST_KEYS.viewer)).status).toBe(403);
      expect((await runOf(settlementId)).body.status).toBe('AWAITING_APPROVAL');

      const approved = await decide(settlementId, 'approve', TEST_KEYS.bob);
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({ approval: 'APPROVED', status: 'RUNNING', decidedBy: 'bob' });
      const again = await decide(settlementId, 'reject', TEST_KEYS.admin, { reason: 'too late' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('SETTLEMENT.NOT_AWAITING_APPROVAL');

      const audit = await db('audit_log').where({ target_id: settlementId }).orderBy('id');
      expect(audit.map((a: { action: string; actor_name: string }) => `${a.action}:${a.actor_name}`)).toEqual(
        expect.arrayContaining(['settlement.approve:alice', 'settlement.approve:bob']),
      );
    }, 60_000);

    it('pays every payout once, none asking again for approval', async () => {
      const done = await untilStatus(settlementId, 'COMPLETED', 150_000);
      expect(done.body.approval).toMatchObject({ status: 'APPROVED', decidedBy: 'bob' });
      expect(done.body.totals.EUR.byStatus).toEqual({ COMPLETED: { count: 25, amountMinor: '154000' } });
      const payments = await db('payments')
        .whereIn('partner_id', [...eur, usd!])
        .select('id', 'status');
      expect(payments).toHaveLength(26);
      expect(new Set(payments.map((p: { status: string }) => p.status))).toEqual(new Set(['COMPLETED']));
      expect(await bankPayouts(payments.map((p: { id: string }) => p.id))).toBe(26);
      // Over the payment threshold, yet none waited: no payout of the run asked for approval.
      const asked = await countOf(
        db('events')
          .whereIn(
            'aggregate_id',
            payments.map((p: { id: string }) => p.id),
          )
          .andWhere({ type: 'PaymentAwaitingApproval' }),
      );
      expect(asked).toBe(0);
      expect((await commissionsOf([small!])).map((c) => c.status)).toEqual(['PAYABLE']);
      expect(await eventTypes(settlementId)).toEqual(
        expect.arrayContaining(['SettlementAwaitingApproval', 'SettlementApproved', 'SettlementCompleted']),
      );
    }, 180_000);

    it('replays its history, committed and fresh', async () => {
      const history = await historyOf(settlementId);
      // Only a run that completed is worth keeping as the baseline.
      expect(history.events?.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
      ensureFixture(join(FIXTURES_DIR, 'settlement-approved.json'), () => history);
      expect(
        await replayErrors([{ workflowId: settlementId, history }], {
          replayName: 'settlement-approval-replay',
        }),
      ).toEqual([]);
      expect(
        await replayErrors(readFixtureDir(FIXTURES_DIR), { replayName: 'settlement-approval-replay' }),
      ).toEqual([]);
    }, 60_000);
  });

  describe('a rejected run, then one nobody decides', () => {
    let rejected: string[];

    it('pays nothing when rejected and gives every commission back', async () => {
      rejected = await partners(3, 'EUR', 8_000, -5);
      const started = await sys.api('POST', '/settlements', { periodEnd: dayOf(-4) }, TEST_KEYS.alice);
      const { settlementId } = started.body;
      await untilStatus(settlementId, 'AWAITING_APPROVAL');

      const noReason = await decide(settlementId, 'reject', TEST_KEYS.bob);
      expect(noReason.status).toBe(422);
      expect(noReason.body.code).toBe('SETTLEMENT.REASON_REQUIRED');
      const res = await decide(settlementId, 'reject', TEST_KEYS.bob, { reason: 'the totals look wrong' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ approval: 'REJECTED', status: 'REJECTED', releasedPayouts: 3 });

      const run = await runOf(settlementId);
      expect(run.body).toMatchObject({
        status: 'REJECTED',
        approval: { status: 'REJECTED', decidedBy: 'bob', reason: 'the totals look wrong' },
      });
      const result = await sys.client.workflow.getHandle(settlementId).result();
      expect(result).toMatchObject({ approval: 'REJECTED', byStatus: {} });
      expect(await commissionsOf(rejected)).toEqual(
        Array(3).fill({ status: 'PAYABLE', settlement_id: null }),
      );
      expect(await countOf(db('payments').whereIn('partner_id', rejected))).toBe(0);
      expect(await eventTypes(settlementId)).toEqual([
        'SettlementStarted',
        'SettlementAwaitingApproval',
        'SettlementRejected',
      ]);
      const history = await historyOf(settlementId);
      ensureFixture(join(FIXTURES_DIR, 'settlement-rejected.json'), () => history);
    }, 120_000);

    it('releases a run nobody decided by its deadline; the next run claims what it gave back', async () => {
      const own = await partners(1, 'EUR', 3_000, -3);
      const started = await sys.api('POST', '/settlements', { periodEnd: dayOf(-2) }, TEST_KEYS.alice);
      const { settlementId } = started.body;
      const waiting = await untilStatus(settlementId, 'AWAITING_APPROVAL');
      // The rejected run's commissions were given back: this run claims them with its own.
      expect(waiting.body.preview.EUR).toMatchObject({ partners: 4, totalMinor: '27000' });

      const run = await untilStatus(settlementId, 'RELEASED', 120_000);
      expect(run.body.approval).toMatchObject({
        status: 'EXPIRED',
        decidedBy: 'system',
        reason: 'approval_timeout',
      });
      expect(await commissionsOf([...rejected, ...own])).toEqual(
        Array(4).fill({ status: 'PAYABLE', settlement_id: null }),
      );
      expect(await countOf(db('payments').whereIn('partner_id', [...rejected, ...own]))).toBe(0);
      const late = await decide(settlementId, 'approve', TEST_KEYS.bob);
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('SETTLEMENT.NOT_AWAITING_APPROVAL');
      expect((await sys.client.workflow.getHandle(settlementId).result()).approval).toBe('EXPIRED');
    }, 180_000);
  });
});
