import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import { openDatabase } from '../src/shared/db/knex-database';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import type { CommissionInput as Commission } from '../src/api/commission.schemas';
import {
  bearer,
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
import { spawnWorkerProcess, workerProcessEnv, type WorkerProcess } from './support/worker-process';

/**
 * Settlement runs end to end: commissions through the API, a run over 300+ partners in three
 * currencies on the real Temporal dev server, payouts through the sandbox bank over HTTP, the
 * Schedule, and a worker killed mid-run. The suite has a database of its own: a run claims every
 * payable commission of its period, and other test files' commissions are not this one's to pay.
 */

const DAY = 86_400_000;
const today = Date.now();
const dayOf = (offset: number): string => new Date(today + offset * DAY).toISOString().slice(0, 10);
const noonOf = (offset: number): string => `${dayOf(offset)}T12:00:00.000Z`;

/** Paid in the first run (period ends 5 days ago), well past the 7-day hold. */
const PAYABLE_AT = noonOf(-20);
const FIRST_PERIOD = dayOf(-5);
const SECOND_PERIOD = dayOf(-4);
const KILL_PERIOD = dayOf(-3);
const SCHEDULE_PERIOD = dayOf(-1);
const RELEASE_PERIOD = dayOf(-6);
const AFTER_RELEASE_PERIOD = dayOf(-2);
const RESUME_PERIOD = dayOf(-7);

const MINIMUMS = { USD: 5_000, EUR: 5_000, COP: 2_000_000 };
const THRESHOLDS = { USD: 1_000_000, EUR: 1_000_000, COP: 5_000_000_000 };
const CURRENCIES = ['USD', 'EUR', 'COP'] as const;
type Currency = (typeof CURRENCIES)[number];
/** A normal partner's two commissions per currency: both above the minimum, below the threshold. */
const NORMAL: Record<Currency, [number, number]> = {
  USD: [3_000, 4_500],
  EUR: [2_500, 3_700],
  COP: [1_500_000, 1_200_000],
};

const ENV = {
  COMMISSION_HOLD: '7d',
  PAYOUT_MINIMUMS: JSON.stringify(MINIMUMS),
  APPROVAL_THRESHOLDS: JSON.stringify(THRESHOLDS),
  SETTLEMENT_CONCURRENCY: '25',
  // 300 payouts in pages of 40: the run continues as new seven times.
  SETTLEMENT_PAGE_SIZE: '40',
  SETTLEMENT_POLL_INTERVAL: '200ms',
  ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
  REFUND_WINDOW: '10m',
};

/** Recorded settlement histories: today's code must replay them (runs in flight survive a deploy). */
const FIXTURES_DIR = resolve(__dirname, 'fixtures/histories/settlement');

describeWithPostgres('settlement runs', (sharedUrl) => {
  let sys: TestSystem;
  let db: Knex;
  let scratch: ScratchDatabase | undefined;
  let databaseUrl: string;
  let seq = 0;
  const ref = (tag: string): string => `${tag}-${(seq += 1)}-${randomUUID().slice(0, 8)}`;
  const commission = (
    partnerId: string,
    currency: string,
    amountMinor: number,
    occurredAt = PAYABLE_AT,
    tag = 'c',
  ): Commission => ({
    externalRef: ref(tag),
    partnerId,
    currency,
    amountMinor,
    description: `${tag} commission`,
    occurredAt,
  });

  const accrue = async (items: Commission[]): Promise<void> => {
    for (let i = 0; i < items.length; i += 1_000) {
      const res = await sys.api('POST', '/commissions', items.slice(i, i + 1_000));
      if (res.status !== 201)
        throw new Error(`commissions refused: ${res.status} ${JSON.stringify(res.body).slice(0, 2000)}`);
    }
  };

  const settle = (body: Record<string, unknown>, key: string = TEST_KEYS.admin) =>
    sys.api('POST', '/settlements', body, key);

  const runOf = (id: string) => sys.api('GET', `/settlements/${encodeURIComponent(id)}`);

  const untilCompleted = (id: string, timeoutMs = 150_000) =>
    eventually(
      () => runOf(id),
      (r) => r.status === 200 && r.body.status === 'COMPLETED',
      { timeoutMs, intervalMs: 500 },
    );

  const ledgerSummary = async (): Promise<Record<string, { netMinor: number; payoutCount: number }>> =>
    (await http(sys.bankUrl!, 'GET', '/ledger/summary')).body.currencies;

  const payoutsPerPayment = async (): Promise<Map<string, number>> => {
    const entries: Array<{ kind: string; paymentId: string }> = (
      await http(sys.bankUrl!, 'GET', '/ledger?limit=1000')
    ).body.entries;
    const counts = new Map<string, number>();
    for (const e of entries.filter((x) => x.kind === 'PAYOUT'))
      counts.set(e.paymentId, (counts.get(e.paymentId) ?? 0) + 1);
    return counts;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase(sharedUrl, 'alpes_settle');
    databaseUrl = scratch.url;
    sys = await startTestSystem({ ...ENV, DATABASE_URL: databaseUrl }, ['bank', 'worker', 'api']);
    db = openDatabase({ kind: 'postgres', url: databaseUrl });
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await sys?.stop();
    await scratch?.drop();
  }, 60_000);

  describe('a run over 300+ partners in three currencies', () => {
    const normal: Array<{ id: string; currency: Currency }> = [];
    const below: string[] = [];
    const held: string[] = [];
    const suspended: string[] = [];
    const declined: string[] = [];
    const large: string[] = [];
    let twoCurrencies: string;
    let inHold: Commission;
    let afterPeriod: Commission;
    let settlementId: string;

    beforeAll(async () => {
      const all: Commission[] = [];
      for (let i = 0; i < 240; i += 1) {
        const currency = CURRENCIES[i % 3]!;
        const { id } = await createPartner(sys.apiUrl);
        normal.push({ id, currency });
        all.push(
          commission(id, currency, NORMAL[currency][0]),
          commission(id, currency, NORMAL[currency][1]),
        );
      }
      twoCurrencies = normal[0]!.id; // USD, and EUR too
      all.push(commission(twoCurrencies, 'EUR', 9_000));
      inHold = commission(normal[1]!.id, normal[1]!.currency, 1_234, `${FIRST_PERIOD}T10:00:00.000Z`, 'hold');
      afterPeriod = commission(normal[1]!.id, normal[1]!.currency, 4_321, noonOf(-2), 'late');
      all.push(inHold, afterPeriod);
      for (let i = 0; i < 20; i += 1) {
        const { id } = await createPartner(sys.apiUrl);
        below.push(id);
        all.push(commission(id, 'USD', 1_000 + i));
      }
      for (let i = 0; i < 10; i += 1) {
        const { id } = await createPartner(sys.apiUrl);
        held.push(id);
        all.push(commission(id, 'EUR', 8_000));
      }
      for (let i = 0; i < 5; i += 1) {
        const { id } = await createPartner(sys.apiUrl);
        suspended.push(id);
        all.push(commission(id, 'USD', 8_000));
      }
      for (let i = 0; i < 15; i += 1) {
        // Account ending 0000: the sandbox bank declines the payout.
        const { id } = await createPartner(sys.apiUrl, { payoutAccount: '4000000000' });
        declined.push(id);
        all.push(commission(id, 'USD', 6_000));
      }
      for (let i = 0; i < 15; i += 1) {
        const { id } = await createPartner(sys.apiUrl);
        large.push(id);
        all.push(commission(id, 'USD', 700_000), commission(id, 'USD', 600_000));
      }
      await accrue(all);
      for (const id of held) {
        const res = await sys.api('POST', `/partners/${id}/payout-hold`, {
          reason: 'tax form missing',
        });
        expect(res.status).toBe(200);
      }
      for (const id of suspended) {
        expect((await sys.api('PATCH', `/partners/${id}`, { status: 'SUSPENDED' })).status).toBe(200);
      }
    }, 120_000);

    it('dry-runs without writing anything', async () => {
      const res = await settle({ periodEnd: FIRST_PERIOD, dryRun: true });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ dryRun: true, payoutCount: 241 + 15 + 15, skippedCount: 35 });
      expect(res.body.totals.USD.payoutCount).toBe(80 + 15 + 15);
      const claimed = await db('commissions').whereNot({ status: 'PENDING' }).count({ n: '*' }).first();
      expect(Number(claimed!.n)).toBe(0);
      expect(Number((await db('settlements').count({ n: '*' }).first())!.n)).toBe(0);
    });

    it('pays exactly one payment per eligible partner and currency, and the ledger reconciles', async () => {
      const started = await settle({ periodEnd: FIRST_PERIOD });
      expect(started.status).toBe(202);
      settlementId = started.body.settlementId;
      expect(settlementId).toBe(`settlement:${FIRST_PERIOD}`);
      expect(started.headers.get('location')).toBe(`/settlements/${settlementId}`);

      // The same request again (its answer lost, say) gets the run it started: not a second run.
      const again = await settle({ periodEnd: FIRST_PERIOD }, TEST_KEYS.alice);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ settlementId, created: false });
      expect(again.headers.get('location')).toBe(`/settlements/${settlementId}`);
      // One currency of a period every currency of which is being settled: refused, naming the run.
      const overlapping = await settle({ periodEnd: FIRST_PERIOD, currency: 'USD' }, TEST_KEYS.alice);
      expect(overlapping.status).toBe(409);
      expect(overlapping.body.code).toBe('SETTLEMENT.ALREADY_EXISTS');
      expect(overlapping.body.detail).toContain(settlementId);
      expect(await db('settlement_period_claims').where({ period_end: FIRST_PERIOD })).toMatchObject([
        { scope: '*', settlement_id: settlementId },
      ]);

      // The large ones wait for a second person: the run's creator (admin) may not approve them.
      const largePayments = await eventually(
        async () =>
          (await db('payments')
            .whereIn('partner_id', large)
            .andWhere({ status: 'AWAITING_APPROVAL' })) as Array<{ id: string }>,
        (rows) => rows.length === large.length,
        { timeoutMs: 150_000, intervalMs: 500 },
      );
      const byCreator = await sys.api('POST', `/payments/${largePayments[0]!.id}/approve`, {});
      expect(byCreator.status).toBe(409);
      expect(byCreator.body.code).toBe('PAYMENT.FOUR_EYES_VIOLATION');
      for (const p of largePayments) {
        const ok = await sys.api('POST', `/payments/${p.id}/approve`, {}, TEST_KEYS.alice);
        expect(ok.status).toBe(200);
      }

      const done = await untilCompleted(settlementId);
      const run = done.body;
      expect(run).toMatchObject({
        itemCount: 271,
        skippedCount: 35,
        finishedCount: 271,
        trigger: 'manual',
        startedBy: 'admin',
      });
      expect(run.totals.USD.byStatus.COMPLETED.count).toBe(80 + 15);
      expect(run.totals.USD.byStatus.FAILED.count).toBe(15);
      expect(run.totals.EUR.byStatus.COMPLETED.count).toBe(81);
      expect(run.totals.COP.byStatus.COMPLETED.count).toBe(80);
      const reasons = await db('settlement_items')
        .where({ settlement_id: settlementId })
        .whereNotNull('skip_reason')
        .select('partner_id', 'skip_reason');
      const reasonOf = new Map(reasons.map((r) => [r.partner_id as string, r.skip_reason as string]));
      expect(below.map((id) => reasonOf.get(id))).toEqual(below.map(() => 'BELOW_MINIMUM'));
      expect(held.map((id) => reasonOf.get(id))).toEqual(held.map(() => 'PAYOUT_HOLD'));
      expect(suspended.map((id) => reasonOf.get(id))).toEqual(suspended.map(() => 'PARTNER_SUSPENDED'));

      // Exactly one payment per eligible partner + currency, and one bank payout per completed payment.
      const payments = (await db('payments')) as Array<{
        id: string;
        partner_id: string;
        currency: string;
        status: string;
        total_minor: number;
      }>;
      const keys = payments.map((p) => `${p.partner_id}:${p.currency}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(payments).toHaveLength(271);
      const payouts = await payoutsPerPayment();
      const completed = payments.filter((p) => p.status === 'COMPLETED');
      expect(completed).toHaveLength(271 - 15);
      for (const p of completed) expect(payouts.get(p.id)).toBe(1);
      expect([...payouts.values()].every((n) => n === 1)).toBe(true);
      expect(payouts.size).toBe(completed.length);

      // Σ completed payments == Σ settled commissions, per currency, and == the bank's net.
      const settled = (await db('commissions')
        .where({ status: 'SETTLED' })
        .select('currency')
        .sum({ total: 'amount_minor' })
        .groupBy('currency')) as Array<{ currency: string; total: string }>;
      const summary = await ledgerSummary();
      for (const c of CURRENCIES) {
        const paid = completed.filter((p) => p.currency === c).reduce((s, p) => s + Number(p.total_minor), 0);
        expect(Number(settled.find((r) => r.currency === c)!.total)).toBe(paid);
        expect(summary[c]!.netMinor).toBe(paid);
      }
      // Every commission is carried by at most one completed payment.
      const carried = (await db.raw(
        `select l.reference, count(*)::int as n from payment_lines l join payments p on p.id = l.payment_id
          where p.status = 'COMPLETED' group by l.reference having count(*) > 1`,
      )) as { rows: unknown[] };
      expect(carried.rows).toEqual([]);

      // Declined payouts give their commissions back; skipped ones never took them.
      const back = await db('commissions').whereIn('partner_id', [
        ...declined,
        ...below,
        ...held,
        ...suspended,
      ]);
      expect(back.every((c) => c.status === 'PAYABLE' || c.status === 'PENDING')).toBe(true);
      expect(back.every((c) => c.settlement_id === null && c.payment_id === null)).toBe(true);
      // Still in hold, or after the period: not this run's.
      const untouched = await db('commissions').whereIn('external_ref', [
        inHold.externalRef,
        afterPeriod.externalRef,
      ]);
      expect(untouched.map((c) => c.status).sort()).toEqual(['PENDING', 'PENDING']);
    }, 360_000);

    it('continued as new between pages and told the event log', async () => {
      const runs = await eventually(
        async () => {
          const seen: string[] = [];
          for await (const w of sys.client.workflow.list({ query: `WorkflowId = '${settlementId}'` }))
            seen.push(w.runId);
          return seen;
        },
        (seen) => seen.length >= 7,
        { timeoutMs: 20_000, intervalMs: 500 },
      );
      expect(runs.length).toBeGreaterThanOrEqual(7);
      const types = (
        await db('events').where({ aggregate_type: 'Settlement', aggregate_id: settlementId })
      ).map((e) => e.type);
      expect(types[0]).toBe('SettlementStarted');
      expect(types.at(-1)).toBe('SettlementCompleted');
      expect(types.filter((t) => t === 'SettlementProgress').length).toBeGreaterThanOrEqual(2);
    });

    it('replays its recorded histories, committed and fresh, without a determinism error', async () => {
      const runIds: string[] = [];
      for await (const w of sys.client.workflow.list({ query: `WorkflowId = '${settlementId}'` }))
        runIds.push(w.runId);
      const fresh = await Promise.all(
        runIds.map(async (runId) => ({
          workflowId: `${settlementId}/${runId}`,
          history: await sys.client.workflow.getHandle(settlementId, runId).fetchHistory(),
        })),
      );
      const ends = fresh.map((f) =>
        f.history.events?.at(-1)?.workflowExecutionCompletedEventAttributes ? 'completed' : 'continued',
      );
      expect(ends.filter((e) => e === 'completed')).toHaveLength(1);
      expect(await replayErrors(fresh, { replayName: 'settlement-replay' })).toEqual([]);

      // Runs whose payouts an activity starts, page by page (the runs before it started children).
      const wanted = {
        'settlement-paged-continued.json': fresh[ends.indexOf('continued')]!.history,
        'settlement-paged-completed.json': fresh[ends.indexOf('completed')]!.history,
      };
      for (const [file, history] of Object.entries(wanted))
        ensureFixture(join(FIXTURES_DIR, file), () => history);
      const committed = readFixtureDir(FIXTURES_DIR);
      expect(committed.length).toBeGreaterThanOrEqual(4);
      expect(await replayErrors(committed, { replayName: 'settlement-replay' })).toEqual([]);
    }, 60_000);

    it('exports the run for accounting as CSV', async () => {
      const res = await fetch(`${sys.apiUrl}/settlements/${encodeURIComponent(settlementId)}/report.csv`, {
        headers: bearer(TEST_KEYS.viewer),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await res.text()).trim().split('\r\n');
      expect(lines[0]).toBe(
        'settlement_id,seq,partner_id,currency,net_minor,commission_count,clawback_count,payment_id,payment_status,skip_reason,skip_detail',
      );
      expect(lines).toHaveLength(1 + 271 + 35);
      expect(lines.filter((l) => l.includes(',COMPLETED,'))).toHaveLength(256);
      expect(lines.filter((l) => l.includes(',BELOW_MINIMUM,'))).toHaveLength(20);
      // Numbers stay numbers: the formula guard is for text fields only.
      for (const l of lines.slice(1)) expect(l.split(',')[4]).toMatch(/^-?\d+$/);
    });

    it('nets a clawback in the next run, carries a negative balance forward, and never pays a reversal', async () => {
      // Partner A: a settled commission reversed (clawback) and new work → the next payout is net.
      const a = normal.find((p) => p.currency === 'USD' && p.id !== twoCurrencies)!;
      // Partner B: a settled commission reversed, nothing new → negative balance, no payout.
      const b = normal.find((p) => p.currency === 'EUR' && p.id !== twoCurrencies)!;
      const settledOf = async (partnerId: string) =>
        (
          await db('commissions').where({ partner_id: partnerId, status: 'SETTLED' }).orderBy('external_ref')
        )[0]!;
      const aSettled = await settledOf(a.id);
      const bSettled = await settledOf(b.id);
      for (const c of [aSettled, bSettled]) {
        const res = await sys.api('POST', `/commissions/${encodeURIComponent(c.external_ref)}/reverse`, {
          reason: 'chargeback',
        });
        expect(res.status).toBe(200);
      }
      const fresh = commission(a.id, 'USD', 20_000);
      const reversedEarly = commission(a.id, 'USD', 50_000, PAYABLE_AT, 'rev');
      await accrue([fresh, reversedEarly]);
      expect(
        (
          await sys.api('POST', `/commissions/${encodeURIComponent(reversedEarly.externalRef)}/reverse`, {
            reason: 'order cancelled',
          })
        ).status,
      ).toBe(200);

      const started = await settle({ periodEnd: SECOND_PERIOD });
      expect(started.status).toBe(202);
      const done = await untilCompleted(started.body.settlementId);
      expect(done.body.skipped.find((s: { partnerId: string }) => s.partnerId === b.id)).toMatchObject({
        skipReason: 'NEGATIVE_BALANCE',
        netMinor: String(-Number(bSettled.amount_minor)),
      });

      const [aPayment] = await db('payments').where({ partner_id: a.id }).orderBy('created_at', 'desc');
      expect(aPayment.status).toBe('COMPLETED');
      // The declined partners' commissions were paid in this run too (still declined: FAILED again).
      expect(Number(aPayment.total_minor)).toBe(20_000 - Number(aSettled.amount_minor));
      const lines = await db('payment_lines').where({ payment_id: aPayment.id }).orderBy('position');
      expect(lines.map((l) => [l.reference, Number(l.amount_minor)]).sort()).toEqual(
        [
          [fresh.externalRef, 20_000],
          [`${aSettled.external_ref}:clawback`, -Number(aSettled.amount_minor)],
        ].sort(),
      );
      // Its remittance advice lists the commission and the clawback behind the payout.
      const statement = await sys.api('GET', `/payments/${aPayment.id}/statement`);
      expect(statement.status).toBe(200);
      expect(statement.body).toMatchObject({
        paymentId: aPayment.id,
        settlementId: started.body.settlementId,
        periodEnd: SECOND_PERIOD,
        commissionsMinor: 20_000,
        clawbacksMinor: -Number(aSettled.amount_minor),
        netMinor: Number(aPayment.total_minor),
      });
      expect(statement.body.lines.map((l: { kind: string }) => l.kind).sort()).toEqual([
        'CLAWBACK',
        'COMMISSION',
      ]);
      expect(statement.body.lines.every((l: { occurredAt: string | null }) => l.occurredAt !== null)).toBe(
        true,
      );
      const html = await fetch(`${sys.apiUrl}/payments/${aPayment.id}/statement?format=html`, {
        headers: bearer(TEST_KEYS.viewer),
      });
      expect(html.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await html.text()).toContain('Clawback');
      // The CSV statement's clawback line: negative amounts as numbers, not guarded text ('-30.00).
      const statementCsv = await (
        await fetch(`${sys.apiUrl}/payments/${aPayment.id}/statement?format=csv`, {
          headers: bearer(TEST_KEYS.viewer),
        })
      ).text();
      const clawed = Number(aSettled.amount_minor);
      const clawbackLine = statementCsv.split('\r\n').find((l) => l.includes(',CLAWBACK,'))!;
      const cents = String(clawed).padStart(3, '0');
      expect(clawbackLine.endsWith(`,USD,-${clawed},-${cents.slice(0, -2)}.${cents.slice(-2)}`)).toBe(true);
      expect(statementCsv).not.toContain(",'-");
      // The run's report: the negative balance carried forward is a number too.
      const report = await (
        await fetch(`${sys.apiUrl}/settlements/${encodeURIComponent(started.body.settlementId)}/report.csv`, {
          headers: bearer(TEST_KEYS.viewer),
        })
      ).text();
      const negative = report.split('\r\n').find((l) => l.includes(`,${b.id},`))!;
      expect(negative).toContain(`,EUR,-${Number(bSettled.amount_minor)},`);
      expect(negative).toContain(',NEGATIVE_BALANCE,');
      const reversed = await db('commissions').where({ external_ref: reversedEarly.externalRef }).first();
      expect(reversed).toMatchObject({ status: 'REVERSED', payment_id: null });
      const bClawback = await db('commissions')
        .where({ external_ref: `${bSettled.external_ref}:clawback` })
        .first();
      expect(bClawback).toMatchObject({ status: 'PAYABLE', settlement_id: null });
      // Still one payout per payment in the bank.
      expect([...(await payoutsPerPayment()).values()].every((n) => n === 1)).toBe(true);
    }, 120_000);

    it('returns refunded commissions to PAYABLE, or reverses them when the refund says so', async () => {
      const [p1, p2] = (await db('payments')
        .where({ status: 'COMPLETED' })
        .whereIn(
          'partner_id',
          normal.slice(10, 20).map((p) => p.id),
        )
        .limit(2)) as Array<{ id: string }>;
      expect((await sys.api('POST', `/payments/${p1!.id}/refund`, { reason: 'duplicate' })).status).toBe(200);
      expect(
        (
          await sys.api('POST', `/payments/${p2!.id}/refund`, {
            reason: 'fraud',
            reverseCommissions: true,
          })
        ).status,
      ).toBe(200);
      const statusOf = async (paymentId: string) => {
        const refs = (await db('payment_lines').where({ payment_id: paymentId })).map((l) => l.reference);
        return (await db('commissions').whereIn('external_ref', refs)).map((c) => c.status);
      };
      expect(await statusOf(p1!.id)).toEqual(['PAYABLE', 'PAYABLE']);
      expect(await statusOf(p2!.id)).toEqual(['REVERSED', 'REVERSED']);
    }, 60_000);
  });

  describe('the Schedule', () => {
    it('exists with the configured spec, and its trigger starts the period’s run once', async () => {
      const scheduleId = `test-settlements-${randomUUID().slice(0, 8)}`;
      // A second worker process configures its own schedule: yearly, so it never fires by itself here.
      const worker = startWorker({ SETTLEMENT_SCHEDULE: '0 6 1 1 *', SETTLEMENT_SCHEDULE_ID: scheduleId });
      const handle = sys.client.schedule.getHandle(scheduleId);
      const described = await eventually(
        () => handle.describe().catch(() => undefined),
        (d) => d !== undefined,
        { timeoutMs: 60_000, intervalMs: 500 },
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${worker.output()}`);
      });
      expect(described!.policies.overlap).toBe('SKIP');
      const next = described!.info.nextActionTimes[0]!;
      expect(next.toISOString()).toMatch(/^\d{4}-01-01T06:00:00\.000Z$/);
      expect(next.getTime()).toBeGreaterThan(Date.now());

      await handle.trigger();
      const action = await eventually(
        async () => (await handle.describe()).info.recentActions,
        (a) => a.length === 1,
        { timeoutMs: 20_000 },
      );
      const result = await sys.client.workflow.getHandle(action[0]!.action.workflow.workflowId).result();
      expect(result).toMatchObject({ settlementId: `settlement:${SCHEDULE_PERIOD}`, skipped: false });
      // By hand, the same period: the Schedule's run, not another; one currency of it: refused.
      const byHand = await settle({ periodEnd: SCHEDULE_PERIOD });
      expect(byHand.status).toBe(200);
      expect(byHand.body).toMatchObject({ settlementId: `settlement:${SCHEDULE_PERIOD}`, created: false });
      const oneCurrency = await settle({ periodEnd: SCHEDULE_PERIOD, currency: 'EUR' });
      expect(oneCurrency.status).toBe(409);
      expect(oneCurrency.body.detail).toContain(`settlement:${SCHEDULE_PERIOD}`);
      const runs = await db('settlements').where({ period_end: SCHEDULE_PERIOD });
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ trigger: 'schedule', status: 'COMPLETED' });
      // The API shows the schedule the system configured (SETTLEMENT_SCHEDULE_ID of this process: off).
      await handle.delete();
    }, 120_000);
  });

  const workers: WorkerProcess[] = [];
  const startWorker = (extra: Record<string, string> = {}): WorkerProcess => {
    const worker = spawnWorkerProcess({
      ...workerProcessEnv(sys, databaseUrl),
      SETTLEMENT_SCHEDULE: 'off',
      ...ENV,
      ...extra,
    });
    workers.push(worker);
    return worker;
  };
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
  });

  describe('a worker killed in the middle of a run', () => {
    it('completes the run on the other worker and pays no partner twice', async () => {
      const partners: string[] = [];
      const items: Commission[] = [];
      for (let i = 0; i < 40; i += 1) {
        const { id } = await createPartner(sys.apiUrl);
        partners.push(id);
        items.push(commission(id, 'EUR', 10_000 + i));
      }
      await accrue(items);
      // A slow bank keeps payouts in flight when the worker dies; the in-process worker is the survivor.
      sys.bank!.bank.setFaults({ latencyMs: 1_500 });
      const victim = startWorker();
      await sleep(8_000); // let it bundle and poll, so it takes its share of the run
      const started = await settle({ periodEnd: KILL_PERIOD, currency: 'EUR' });
      expect(started.status).toBe(202);
      const settlementId: string = started.body.settlementId;
      expect(settlementId).toBe(`settlement:${KILL_PERIOD}:EUR`);
      // Killed while it holds work: a payout it has started and not finished (the bank is slow).
      const victimHolds = async (): Promise<boolean> => {
        const ids = (
          await db('settlement_items').where({ settlement_id: settlementId }).whereNotNull('payment_id')
        ).map((i: { payment_id: string }) => i.payment_id);
        for (const id of ids) {
          try {
            const d = await sys.client.workflowService.describeWorkflowExecution({
              namespace: sys.client.options.namespace,
              execution: { workflowId: paymentWorkflowId(id) },
            });
            const held = (d.pendingActivities ?? []).some(
              (a) =>
                a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED &&
                (a.lastWorkerIdentity ?? '').startsWith(`${victim.pid}@`),
            );
            if (held) return true;
          } catch {
            // Not started yet.
          }
        }
        return false;
      };
      await eventually(victimHolds, (held) => held, { timeoutMs: 60_000, intervalMs: 100 });
      await victim.kill();
      expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });

      const done = await untilCompleted(settlementId, 120_000);
      sys.bank!.bank.setFaults({ latencyMs: 0 });
      // Ours, plus whatever EUR was still payable from the runs before (e.g. refunded commissions).
      expect(done.body.itemCount).toBeGreaterThanOrEqual(40);
      expect(done.body.finishedCount).toBe(done.body.itemCount);
      const payments = await db('payments').whereIn('partner_id', partners);
      expect(payments).toHaveLength(40);
      expect(payments.every((p) => p.status === 'COMPLETED')).toBe(true);
      const payouts = await payoutsPerPayment();
      for (const p of payments) expect(payouts.get(p.id)).toBe(1);

      // The kill proves something only if the victim died holding work: a workflow task it had
      // started and never finished (timed out), or an activity whose attempt on it timed out.
      const held = await heldWhenKilled(
        [...payments.map((p) => paymentWorkflowId(p.id)), settlementId],
        `${victim.pid}@`,
      );
      // (An activity's started event names the attempt that finished it: the victim's lost attempt
      // shows as a later attempt whose previous one timed out, not under the victim's name.)
      expect(held.lostWorkflowTasks + held.timedOutActivities).toBeGreaterThan(0);
    }, 240_000);
  });

  /**
   * What the killed worker (`identity`, its `pid@host`) left in these workflows' histories (every
   * run of each): workflow tasks it started and never finished, and activities whose earlier
   * attempt timed out (only the killed worker died, so those attempts were its).
   */
  const heldWhenKilled = async (workflowIds: string[], identity: string) => {
    const found = { lostWorkflowTasks: 0, timedOutActivities: 0 };
    for (const workflowId of workflowIds) {
      for await (const w of sys.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        const events = (await sys.client.workflow.getHandle(workflowId, w.runId).fetchHistory()).events ?? [];
        const timedOutStarts = new Set(
          events.flatMap((e) => {
            const t = e.workflowTaskTimedOutEventAttributes;
            return t ? [String(t.startedEventId)] : [];
          }),
        );
        for (const e of events) {
          const task = e.workflowTaskStartedEventAttributes;
          const activity = e.activityTaskStartedEventAttributes;
          const by = task?.identity ?? activity?.identity ?? '';
          if (task && by.startsWith(identity) && timedOutStarts.has(String(e.eventId)))
            found.lostWorkflowTasks += 1;
          if (activity && (activity.attempt ?? 1) > 1 && /time/i.test(activity.lastFailure?.message ?? ''))
            found.timedOutActivities += 1;
        }
      }
    }
    return found;
  };

  /** Partners with one commission each in a currency, and the run of a period for that currency. */
  const stoppedRun = async (
    currency: Currency,
    count: number,
    amountMinor: number,
    periodEnd: string,
    secondMinor?: number,
  ) => {
    const partners: string[] = [];
    const items: Commission[] = [];
    for (let i = 0; i < count; i += 1) {
      const { id } = await createPartner(sys.apiUrl);
      partners.push(id);
      items.push(commission(id, currency, amountMinor + i));
      if (secondMinor !== undefined) items.push(commission(id, currency, secondMinor, PAYABLE_AT, 'second'));
    }
    await accrue(items);
    // A slow bank: the first window of payouts is in flight, the rest not started, when the run stops.
    sys.bank!.bank.setFaults({ latencyMs: 3_000 });
    const started = await settle({ periodEnd, currency });
    expect(started.status).toBe(202);
    const settlementId: string = started.body.settlementId;
    await eventually(
      async () => (await db('payments').whereIn('partner_id', partners)).length,
      (n) => n >= 1,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await sys.client.workflow.getHandle(settlementId).terminate('stopped by the test');
    return { partners, settlementId, items };
  };

  const paidOncePerCompletedPayment = async (partners: string[]) => {
    const payments = await db('payments').whereIn('partner_id', partners);
    const payouts = await payoutsPerPayment();
    for (const p of payments) expect(payouts.get(p.id) ?? 0).toBe(p.status === 'COMPLETED' ? 1 : 0);
    return payments as Array<{ id: string; partner_id: string; status: string }>;
  };

  describe('a run stopped mid-way', () => {
    afterEach(() => sys.bank!.bank.setFaults({ latencyMs: 0 }));

    it('is released: its unstarted payouts’ commissions are payable again and paid by the next run, once', async () => {
      const { partners, settlementId } = await stoppedRun('COP', 60, 2_500_000, RELEASE_PERIOD);
      const strandedGauge = async (): Promise<number> => {
        const text = await (
          await fetch(`${sys.apiUrl}/metrics`, { headers: bearer(TEST_KEYS.viewer) })
        ).text();
        return Number(/^alpes_commissions_stranded (\S+)$/m.exec(text)?.[1] ?? NaN);
      };
      // Its payouts never started are stranded while it is stopped — not while it runs.
      expect(await strandedGauge()).toBeGreaterThan(0);
      const stoppedView = (await runOf(settlementId)).body;
      expect(stoppedView).toMatchObject({ status: 'RUNNING', stopped: true, live: null });
      expect(stoppedView.strandedCommissions).toBeGreaterThan(0);
      // The list says so too, so an operator finds a stopped run without opening each one.
      const listed = async () =>
        (
          (await sys.api('GET', '/settlements?limit=200')).body.items as Array<{
            id: string;
            stopped: boolean;
          }>
        ).find((r) => r.id === settlementId);
      expect(await listed()).toMatchObject({ status: 'RUNNING', stopped: true });
      // Not while it runs: a running run is refused.
      const resumed = await settle({ periodEnd: RELEASE_PERIOD, currency: 'COP' });
      expect(resumed.status).toBe(202);
      expect(await strandedGauge()).toBe(0);
      expect((await runOf(settlementId)).body).toMatchObject({ stopped: false, strandedCommissions: 0 });
      expect(await listed()).toMatchObject({ stopped: false });
      const whileRunning = await sys.api('POST', `/settlements/${encodeURIComponent(settlementId)}/release`, {
        reason: 'bank holiday',
      });
      expect(whileRunning.status).toBe(409);
      expect(whileRunning.body.code).toBe('SETTLEMENT.RUNNING');
      await sys.client.workflow.getHandle(settlementId).terminate('stopped again by the test');
      // Stopped with payouts never started: their commissions are stranded, and the gauge says so.
      expect(await strandedGauge()).toBeGreaterThan(0);

      const released = await sys.api('POST', `/settlements/${encodeURIComponent(settlementId)}/release`, {
        reason: 'bank holiday',
      });
      expect(released.status).toBe(200);
      expect(released.body).toMatchObject({ settlementId, status: 'RELEASED' });
      expect(released.body.releasedPayouts).toBeGreaterThan(0);
      expect(released.body.releasedCommissions).toBe(released.body.releasedPayouts);
      expect(await strandedGauge()).toBe(0);
      // The audit entry and the event commit with the release.
      expect(
        await db('audit_log').where({
          action: 'settlement.release',
          target_id: settlementId,
          outcome_status: 200,
        }),
      ).toHaveLength(1);
      expect(
        await db('events').where({ aggregate_id: settlementId, type: 'SettlementReleased' }),
      ).toHaveLength(1);
      // Released again: answers as it stands, gives nothing back twice.
      const again = await sys.api('POST', `/settlements/${encodeURIComponent(settlementId)}/release`, {
        reason: 'bank holiday',
      });
      expect(again.body).toMatchObject({ status: 'RELEASED', releasedPayouts: 0 });
      // A released run is not resumed.
      expect((await settle({ periodEnd: RELEASE_PERIOD, currency: 'COP' })).body.code).toBe(
        'SETTLEMENT.RELEASED',
      );

      // The payouts it had started finish; none is left SETTLING.
      sys.bank!.bank.setFaults({ latencyMs: 0 });
      await eventually(
        async () =>
          (await db('commissions').whereIn('partner_id', partners).andWhere({ status: 'SETTLING' })).length,
        (n) => n === 0,
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      const payable = await db('commissions').whereIn('partner_id', partners).andWhere({ status: 'PAYABLE' });
      expect(payable).toHaveLength(released.body.releasedPayouts);

      // The next run pays them, and nobody twice.
      const next = await settle({ periodEnd: AFTER_RELEASE_PERIOD, currency: 'COP' });
      expect(next.status).toBe(202);
      await untilCompleted(next.body.settlementId, 150_000);
      const payments = await paidOncePerCompletedPayment(partners);
      const completedByPartner = new Map<string, number>();
      for (const p of payments.filter((x) => x.status === 'COMPLETED'))
        completedByPartner.set(p.partner_id, (completedByPartner.get(p.partner_id) ?? 0) + 1);
      for (const id of partners) expect(completedByPartner.get(id)).toBe(1);
      expect(
        await db('commissions').whereIn('partner_id', partners).whereNot({ status: 'SETTLED' }),
      ).toHaveLength(0);
    }, 360_000);

    it('is resumed by starting it again: it goes on from its recorded items, takes reversed commissions out of unstarted payouts, pays each partner once', async () => {
      const { partners, settlementId, items } = await stoppedRun('USD', 40, 6_000, RESUME_PERIOD, 3_000);
      const before = await db('settlements').where({ id: settlementId }).first();
      // Reversed while SETTLING, before their payouts started: taken out, not paid and clawed back.
      const unstarted = (await db('settlement_items as i')
        .leftJoin('payments as p', 'p.id', 'i.payment_id')
        .where('i.settlement_id', settlementId)
        .whereIn('i.partner_id', partners)
        .whereNotNull('i.payment_id')
        .whereNull('p.id')
        .orderBy('i.seq', 'desc')
        .select('i.partner_id', 'i.payment_id')) as Array<{ partner_id: string; payment_id: string }>;
      expect(unstarted.length).toBeGreaterThanOrEqual(2);
      // The last two in the run's order: no payment workflow of theirs was started before it stopped.
      for (const u of unstarted.slice(0, 2)) {
        await expect(
          sys.client.workflow.getHandle(paymentWorkflowId(u.payment_id)).describe(),
        ).rejects.toThrow();
      }
      const [paysLess, emptied] = [unstarted[0]!.partner_id, unstarted[1]!.partner_id];
      const refsOf = (partnerId: string) => items.filter((c) => c.partnerId === partnerId);
      const reverse = (ref: string) =>
        sys.api('POST', `/commissions/${encodeURIComponent(ref)}/reverse`, { reason: 'chargeback' });
      const second = refsOf(paysLess).find((c) => c.externalRef.startsWith('second'))!;
      expect((await reverse(second.externalRef)).status).toBe(200);
      for (const c of refsOf(emptied)) expect((await reverse(c.externalRef)).status).toBe(200);

      sys.bank!.bank.setFaults({ latencyMs: 0 });
      const resumed = await settle({ periodEnd: RESUME_PERIOD, currency: 'USD' });
      expect(resumed.status).toBe(202);
      expect(resumed.body).toMatchObject({ settlementId, created: true });
      const done = await untilCompleted(settlementId, 150_000).catch(async (e: Error) => {
        // Which payouts did not finish, and where their workflows stand.
        const open = (await db('settlement_items as i')
          .leftJoin('payments as p', 'p.id', 'i.payment_id')
          .where('i.settlement_id', settlementId)
          .whereNotNull('i.payment_id')
          .whereNull('p.id')
          .select('i.seq', 'i.payment_id', 'i.partner_id')) as Array<{ seq: number; payment_id: string }>;
        const why = await Promise.all(
          open.map(async (o) => {
            const h = await sys.client.workflow
              .getHandle(paymentWorkflowId(o.payment_id))
              .fetchHistory()
              .catch((err: Error) => ({ events: [], error: err.message }));
            const events = (h.events ?? []).map((ev) =>
              [ev.eventType, JSON.stringify(ev).match(/"message":"[^"]*"/)?.[0] ?? ''].join(' '),
            );
            return { ...o, paysLess, emptied, events };
          }),
        );
        throw new Error(`${e.message.slice(0, 200)}\n${JSON.stringify(why, null, 1)}`);
      });
      expect(done.body.itemCount).toBe(before.item_count);
      expect(done.body.finishedCount).toBe(done.body.itemCount);
      const payments = await paidOncePerCompletedPayment(partners);
      expect(payments).toHaveLength(partners.length);
      const byPartner = new Map(payments.map((p) => [p.partner_id, p]));
      for (const id of partners.filter((p) => p !== emptied))
        expect(byPartner.get(id)).toMatchObject({ status: 'COMPLETED' });

      const kept = refsOf(paysLess).find((c) => c !== second)!;
      const paidLess = await db('payments').where({ partner_id: paysLess }).first();
      expect(paidLess.status).toBe('COMPLETED');
      expect(Number(paidLess.total_minor)).toBe(kept.amountMinor);
      const emptiedPayment = await db('payments').where({ partner_id: emptied }).first();
      expect({ status: emptiedPayment.status, reason: emptiedPayment.reason }).toMatchObject({
        status: 'CANCELLED',
        reason: expect.stringContaining('SETTLEMENT.PAYOUT_EMPTIED'),
      });
      const reversedNow = await db('commissions').whereIn('external_ref', [
        second.externalRef,
        ...refsOf(emptied).map((c) => c.externalRef),
      ]);
      expect(reversedNow.map((c) => c.status)).toEqual(['REVERSED', 'REVERSED', 'REVERSED']);
      // Nothing to claw back: none of them was paid.
      expect(
        await db('commissions').whereIn('partner_id', [paysLess, emptied]).andWhere({ kind: 'CLAWBACK' }),
      ).toHaveLength(0);
      // Completed: starting it again is the same run, not another.
      const later = await settle({ periodEnd: RESUME_PERIOD, currency: 'USD' });
      expect(later).toMatchObject({ status: 200, body: { created: false } });
    }, 300_000);
  });
});
