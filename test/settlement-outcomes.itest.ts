import { randomUUID } from 'node:crypto';
import type { CommissionInput as Commission } from '../src/api/commission.schemas';
import type { PayoutJanitorResult } from '../src/workflows/payout-janitor.messages';
import { untilSettled } from './support/settle-wait';
import {
  createPartner,
  eventually,
  http,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';
import { describeWithPostgres } from './support/test-env';

/**
 * How settlement runs end for the partners the happy path does not cover (issue 24): currencies
 * with no and with three decimals paid at their own minimums, a clawback larger than the next
 * period's commissions netted over three runs, a payout the bank declined paid by the next run, and
 * a bank that loses its answers and then goes down while a run pays. Everything is real: the
 * Temporal dev server, PostgreSQL (this file's own database) and the sandbox bank over HTTP.
 *
 * Runs claim every payable commission of their period (and every outstanding clawback), so each
 * test keeps to a currency of its own — JPY and KWD, USD, EUR, GBP — and to periods of its own.
 */

const DAY = 86_400_000;
// Run ids are the periods': far back from the other settlement files' periods, so runs of this
// file never meet theirs on the shared Temporal dev server (the same id would be "started before").
const today = Date.now() - 100 * DAY;
const dayOf = (offset: number): string => new Date(today + offset * DAY).toISOString().slice(0, 10);
const noonOf = (offset: number): string => `${dayOf(offset)}T12:00:00.000Z`;

/** Minor units: JPY has no decimals (¥7,500), KWD three (15.000 KWD = 15,000 fils). */
const MINIMUMS: Record<string, number> = { JPY: 7_500, KWD: 15_000, USD: 5_000, EUR: 5_000, GBP: 5_000 };
/** High enough that no payout here waits for a second person. */
const THRESHOLDS = { JPY: 100_000_000, KWD: 100_000_000, USD: 10_000_000, EUR: 10_000_000, GBP: 10_000_000 };
const JANITOR_SCHEDULE_ID = `test-settlement-outcomes-janitor-${randomUUID().slice(0, 8)}`;

const ENV = {
  // Every commission here is days old: payable at once.
  COMMISSION_HOLD: '1h',
  PAYOUT_MINIMUMS: JSON.stringify(MINIMUMS),
  APPROVAL_THRESHOLDS: JSON.stringify(THRESHOLDS),
  SETTLEMENT_POLL_INTERVAL: '200ms',
  // A payout whose answers stay lost this long is PAYOUT_UNKNOWN.
  PAYOUT_TIMEOUT: '3s',
  ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
  // Completed payouts close soon after their run.
  REFUND_WINDOW: '2s',
  PAYOUT_ACCOUNT_COOLOFF: '1s',
  // The janitor's Schedule, of this file only: yearly, so only the test's triggers run it.
  JANITOR_SCHEDULE: '0 0 1 1 *',
  JANITOR_SCHEDULE_ID,
};

interface LedgerEntry {
  id: string;
  kind: 'PAYOUT' | 'REFUND';
  amountMinor: number;
  currency: string;
  account: string;
  paymentId: string;
}

interface Item {
  seq: number;
  partnerId: string;
  currency: string;
  paymentId: string | null;
  paymentStatus: string | null;
  netMinor: string;
  commissionCount: number;
  clawbackCount: number;
  skipReason: string | null;
  skipDetail: string | null;
}

/** One CSV line's cells (quoted cells may hold commas and doubled quotes). */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describeWithPostgres('settlement outcomes: minimums, clawbacks, declines and a bank outage', () => {
  let sys: TestSystem;
  let seq = 0;

  beforeAll(async () => {
    sys = await startTestSystem(ENV, ['bank', 'worker', 'api']);
  }, 60_000);

  afterAll(async () => {
    await sys?.client.schedule
      .getHandle(JANITOR_SCHEDULE_ID)
      .delete()
      .catch(() => undefined);
    await sys?.stop();
  }, 60_000);

  afterEach(() => {
    sys?.bank?.bank.setFaults({ failAfterCommitRate: 0, failAfterCommitNext: 0, failureRate: 0 });
  });

  const commission = (partnerId: string, currency: string, amountMinor: number, occurredAt: string) => ({
    externalRef: `so-${(seq += 1)}-${randomUUID().slice(0, 8)}`,
    partnerId,
    currency,
    amountMinor,
    description: 'settlement outcome test',
    occurredAt,
  });

  const accrue = async (items: Commission[]): Promise<void> => {
    const res = await sys.api('POST', '/commissions', items);
    if (res.status !== 201) throw new Error(`commissions refused: ${res.status} ${JSON.stringify(res.body)}`);
  };

  /** Starts the period's run (one currency, or every one) and waits for it to complete. */
  const settle = async (periodEnd: string, currency?: string) => {
    const started = await sys.api('POST', '/settlements', { periodEnd, ...(currency ? { currency } : {}) });
    expect(started.status).toBe(202);
    const id: string = started.body.settlementId;
    expect(id).toBe(`settlement:${periodEnd}${currency ? `:${currency}` : ''}`);
    return id;
  };

  const runOf = (id: string) => sys.api('GET', `/settlements/${encodeURIComponent(id)}`);

  const untilCompleted = async (id: string, timeoutMs = 60_000) =>
    (
      await eventually(
        () => runOf(id),
        (r) => r.status === 200 && r.body.status === 'COMPLETED',
        { timeoutMs, intervalMs: 200 },
      )
    ).body;

  /** Every item of the run, payouts and skipped, by partner. */
  const itemsOf = async (id: string): Promise<Map<string, Item>> => {
    const res = await sys.api('GET', `/settlements/${encodeURIComponent(id)}/items?kind=all&limit=1000`);
    expect(res.status).toBe(200);
    return new Map((res.body.items as Item[]).map((i) => [i.partnerId, i]));
  };

  const reportOf = async (id: string): Promise<Array<Record<string, string>>> => {
    const res = await fetch(`${sys.apiUrl}/settlements/${encodeURIComponent(id)}/report.csv`, {
      headers: { authorization: `Bearer ${TEST_KEYS.viewer}` },
    });
    expect(res.status).toBe(200);
    const [header, ...lines] = (await res.text()).split('\r\n').filter((l) => l !== '');
    const columns = csvCells(header!);
    return lines.map((l) => {
      const cells = csvCells(l);
      return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
    });
  };

  const bank = (method: string, path: string) =>
    http(sys.bankUrl!, method, path, undefined, { authorization: '' });

  const payoutsIn = async (currency: string): Promise<LedgerEntry[]> =>
    ((await bank('GET', `/ledger?currency=${currency}&limit=1000`)).body.entries as LedgerEntry[]).filter(
      (e) => e.kind === 'PAYOUT',
    );

  const bankSummary = async (): Promise<Record<string, { netMinor: number; payoutCount: number }>> =>
    (await bank('GET', '/ledger/summary')).body.currencies;

  const commissionsOf = (partnerIds: string[]) =>
    sys.db('commissions').whereIn('partner_id', partnerIds).orderBy('external_ref') as Promise<
      Array<{
        external_ref: string;
        partner_id: string;
        kind: string;
        status: string;
        amount_minor: string | number;
        settlement_id: string | null;
        payment_id: string | null;
      }>
    >;

  const paymentsOf = (partnerIds: string[]) =>
    sys.db('payments').whereIn('partner_id', partnerIds).orderBy('created_at') as Promise<
      Array<{
        id: string;
        partner_id: string;
        status: string;
        currency: string;
        total_minor: string | number;
        reason: string | null;
        payout_reference: string | null;
      }>
    >;

  const janitorRuns = new Set<string>();
  /** What an operator does on the Schedules page: trigger it, and read what that run did. */
  const triggerJanitor = async (): Promise<PayoutJanitorResult> => {
    const janitor = sys.client.schedule.getHandle(JANITOR_SCHEDULE_ID);
    // The worker creates it as it starts.
    await eventually(
      () => janitor.describe().catch(() => undefined),
      (d) => d !== undefined,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    await janitor.trigger();
    const actions = await eventually(
      async () => (await janitor.describe()).info.recentActions,
      (a) => a.some((x) => !janitorRuns.has(x.action.workflow.workflowId)),
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const run = actions.find((x) => !janitorRuns.has(x.action.workflow.workflowId))!.action.workflow;
    janitorRuns.add(run.workflowId);
    return sys.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result();
  };

  it('pays JPY and KWD balances at or above their minimums in exact minor units, skips the rest BELOW_MINIMUM, and its totals are the bank’s', async () => {
    const periodEnd = dayOf(-10);
    const at = noonOf(-12);
    // Amounts in each currency's own minor units: yen, and fils (1 KWD = 1,000 fils).
    const cases: Array<{ currency: 'JPY' | 'KWD'; amounts: number[]; paid: boolean }> = [
      { currency: 'JPY', amounts: [5_000, 4_321], paid: true }, // ¥9,321
      { currency: 'JPY', amounts: [7_500], paid: true }, // exactly the minimum
      { currency: 'JPY', amounts: [7_499], paid: false }, // ¥1 short
      { currency: 'JPY', amounts: [3_000, 2_000], paid: false },
      { currency: 'KWD', amounts: [12_345, 6_789], paid: true }, // 19.134 KWD
      { currency: 'KWD', amounts: [15_000], paid: true }, // exactly the minimum
      { currency: 'KWD', amounts: [14_999], paid: false }, // 1 fils short
    ];
    const partners = await Promise.all(
      cases.map(async (c) => ({ ...c, id: (await createPartner(sys.apiUrl)).id })),
    );
    await accrue(partners.flatMap((p) => p.amounts.map((a) => commission(p.id, p.currency, a, at))));

    // Every currency of the period in one run.
    const id = await settle(periodEnd);
    const run = await untilCompleted(id);
    const paid = partners.filter((p) => p.paid);
    const below = partners.filter((p) => !p.paid);
    expect(run).toMatchObject({
      itemCount: paid.length,
      skippedCount: below.length,
      finishedCount: paid.length,
    });

    const items = await itemsOf(id);
    expect([...items.keys()].sort()).toEqual(partners.map((p) => p.id).sort());
    for (const p of paid) {
      expect(items.get(p.id)).toMatchObject({
        currency: p.currency,
        netMinor: String(sum(p.amounts)),
        commissionCount: p.amounts.length,
        paymentStatus: 'COMPLETED',
        skipReason: null,
      });
    }
    for (const p of below) {
      expect(items.get(p.id)).toMatchObject({
        currency: p.currency,
        netMinor: String(sum(p.amounts)),
        paymentId: null,
        skipReason: 'BELOW_MINIMUM',
      });
    }
    // What operators read, in each currency's own decimals.
    const detailOf = (i: number) => items.get(partners[i]!.id)!.skipDetail;
    expect(detailOf(2)).toBe('net 7499 JPY is below the 7500 JPY minimum and carries forward');
    expect(detailOf(6)).toBe('net 14.999 KWD is below the 15.000 KWD minimum and carries forward');

    // The bank paid each one once, exactly its balance in minor units — not scaled to two decimals.
    const summary = await bankSummary();
    const report = await reportOf(id);
    expect(report).toHaveLength(partners.length);
    for (const currency of ['JPY', 'KWD'] as const) {
      const ledger = await payoutsIn(currency);
      const expected = paid.filter((p) => p.currency === currency);
      expect(ledger.map((e) => [e.paymentId, e.amountMinor]).sort()).toEqual(
        expected.map((p) => [items.get(p.id)!.paymentId, sum(p.amounts)]).sort(),
      );
      const bankNet = summary[currency]!.netMinor;
      expect(bankNet).toBe(sum(expected.map((p) => sum(p.amounts))));
      // GET /settlements/:id: what it paid and skipped per currency, the same as the bank's.
      const skippedMinor = sum(below.filter((p) => p.currency === currency).map((p) => sum(p.amounts)));
      expect(run.totals[currency]).toMatchObject({
        byStatus: { COMPLETED: { count: expected.length, amountMinor: String(bankNet) } },
        skipped: {
          count: below.filter((p) => p.currency === currency).length,
          amountMinor: String(skippedMinor),
        },
      });
      expect(Object.keys(run.totals[currency].byStatus)).toEqual(['COMPLETED']);
      // The accounting export says the same.
      const rows = report.filter((r) => r.currency === currency);
      const completed = rows.filter((r) => r.payment_status === 'COMPLETED');
      expect(completed).toHaveLength(expected.length);
      expect(sum(completed.map((r) => Number(r.net_minor)))).toBe(bankNet);
      expect(
        rows
          .filter((r) => r.skip_reason === 'BELOW_MINIMUM')
          .map((r) => [r.partner_id, r.net_minor])
          .sort(),
      ).toEqual(
        below
          .filter((p) => p.currency === currency)
          .map((p) => [p.id, String(sum(p.amounts))])
          .sort(),
      );
    }

    // The payments carry the same exact amounts; the paid commissions are SETTLED by them, the
    // skipped ones are PAYABLE again, claimed by no run.
    const payments = await paymentsOf(partners.map((p) => p.id));
    expect(payments.map((p) => [p.partner_id, p.currency, Number(p.total_minor), p.status]).sort()).toEqual(
      paid.map((p) => [p.id, p.currency, sum(p.amounts), 'COMPLETED']).sort(),
    );
    const entries = await commissionsOf(partners.map((p) => p.id));
    for (const e of entries) {
      const p = partners.find((x) => x.id === e.partner_id)!;
      if (p.paid) {
        expect(e).toMatchObject({
          status: 'SETTLED',
          settlement_id: id,
          payment_id: items.get(p.id)!.paymentId,
        });
      } else {
        expect(e).toMatchObject({ status: 'PAYABLE', settlement_id: null, payment_id: null });
      }
    }
  }, 120_000);

  it('follows a clawback larger than the next period’s commissions over three runs until it is netted', async () => {
    const [p1, p2, p3] = [dayOf(-9), dayOf(-8), dayOf(-7)];
    const clawed = (await createPartner(sys.apiUrl)).id;
    const other = (await createPartner(sys.apiUrl)).id;
    const ledgerOf = async (partnerId: string): Promise<number[]> => {
      const ids = new Set((await paymentsOf([partnerId])).map((p) => p.id));
      return (await payoutsIn('USD')).filter((e) => ids.has(e.paymentId)).map((e) => e.amountMinor);
    };
    /** A run's payouts, and that the bank paid each exactly what the run lists as COMPLETED. */
    const reconcile = async (id: string) => {
      const run = await untilCompleted(id);
      const items = await itemsOf(id);
      const paidIds = new Set([...items.values()].filter((i) => i.paymentId).map((i) => i.paymentId!));
      const ledger = (await payoutsIn('USD')).filter((e) => paidIds.has(e.paymentId));
      expect(ledger).toHaveLength(paidIds.size);
      expect(run.totals.USD.byStatus).toEqual({
        COMPLETED: { count: paidIds.size, amountMinor: String(sum(ledger.map((e) => e.amountMinor))) },
      });
      for (const e of ledger) {
        const item = [...items.values()].find((i) => i.paymentId === e.paymentId)!;
        expect(String(e.amountMinor)).toBe(item.netMinor);
      }
      return { run, items };
    };

    // Run 1: the partner is paid a commission…
    const first = commission(clawed, 'USD', 30_000, noonOf(-9));
    await accrue([first, commission(other, 'USD', 6_000, noonOf(-9))]);
    const run1 = await reconcile(await settle(p1, 'USD'));
    expect(run1.items.get(clawed)).toMatchObject({ netMinor: '30000', paymentStatus: 'COMPLETED' });
    expect(await ledgerOf(clawed)).toEqual([30_000]);

    // …which is then reversed (a chargeback): the money went out, so a clawback is owed.
    const reversed = await sys.api('POST', `/commissions/${encodeURIComponent(first.externalRef)}/reverse`, {
      reason: 'chargeback',
    });
    expect(reversed.status).toBe(200);
    const [clawback] = await sys.db('commissions').where({ external_ref: `${first.externalRef}:clawback` });
    expect(clawback).toMatchObject({ kind: 'CLAWBACK', status: 'PAYABLE', partner_id: clawed });
    expect(Number(clawback.amount_minor)).toBe(-30_000);

    // Run 2: the period's commissions (12,000) do not cover the clawback (30,000): nothing is paid.
    const second = [
      commission(clawed, 'USD', 7_000, noonOf(-8)),
      commission(clawed, 'USD', 5_000, noonOf(-8)),
    ];
    await accrue([...second, commission(other, 'USD', 6_100, noonOf(-8))]);
    const run2Id = await settle(p2, 'USD');
    const run2 = await reconcile(run2Id);
    expect(run2.run).toMatchObject({ itemCount: 1, skippedCount: 1 });
    expect(run2.items.get(clawed)).toMatchObject({
      netMinor: '-18000',
      commissionCount: 2,
      clawbackCount: 1,
      paymentId: null,
      paymentStatus: null,
      skipReason: 'NEGATIVE_BALANCE',
    });
    expect(run2.items.get(other)).toMatchObject({ netMinor: '6100', paymentStatus: 'COMPLETED' });
    expect(await paymentsOf([clawed])).toHaveLength(1);
    expect(await ledgerOf(clawed)).toEqual([30_000]);
    // The debt and the commissions it ate carry forward, claimed by no run.
    const carried = (await commissionsOf([clawed])).filter((c) => c.external_ref !== first.externalRef);
    expect(carried.map((c) => [c.kind, Number(c.amount_minor), c.status, c.settlement_id]).sort()).toEqual(
      [
        ['CLAWBACK', -30_000, 'PAYABLE', null],
        ['COMMISSION', 7_000, 'PAYABLE', null],
        ['COMMISSION', 5_000, 'PAYABLE', null],
      ].sort(),
    );
    const report2 = (await reportOf(run2Id)).find((r) => r.partner_id === clawed)!;
    expect(report2).toMatchObject({ net_minor: '-18000', skip_reason: 'NEGATIVE_BALANCE', payment_id: '' });

    // Run 3: the period's 25,000 exceed what is still owed: paid 12,000 + 25,000 − 30,000, once.
    const third = commission(clawed, 'USD', 25_000, noonOf(-7));
    await accrue([third, commission(other, 'USD', 6_200, noonOf(-7))]);
    const run3 = await reconcile(await settle(p3, 'USD'));
    const netted = 7_000 + 5_000 + 25_000 - 30_000;
    expect(run3.items.get(clawed)).toMatchObject({
      netMinor: String(netted),
      commissionCount: 3,
      clawbackCount: 1,
      paymentStatus: 'COMPLETED',
    });
    expect(await ledgerOf(clawed)).toEqual([30_000, netted]);
    const paymentId = run3.items.get(clawed)!.paymentId!;
    const lines = await sys.db('payment_lines').where({ payment_id: paymentId });
    expect(lines.map((l) => [l.reference, Number(l.amount_minor)]).sort()).toEqual(
      [
        [second[0]!.externalRef, 7_000],
        [second[1]!.externalRef, 5_000],
        [third.externalRef, 25_000],
        [`${first.externalRef}:clawback`, -30_000],
      ].sort(),
    );
    // Netted: every entry settled, nothing owed, nothing left to pay.
    const all = await commissionsOf([clawed]);
    expect(all.map((c) => c.status)).toEqual(all.map(() => 'SETTLED'));
    expect(
      all.filter((c) => c.external_ref !== first.externalRef).every((c) => c.payment_id === paymentId),
    ).toBe(true);
    // Its remittance advice shows the netting.
    const statement = await sys.api('GET', `/payments/${paymentId}/statement`);
    expect(statement.status).toBe(200);
    expect(statement.body).toMatchObject({
      commissionsMinor: 7_000 + 5_000 + 25_000,
      clawbacksMinor: -30_000,
      netMinor: netted,
    });
    // The other partner was paid each period, once each.
    expect(await ledgerOf(other)).toEqual([6_000, 6_100, 6_200]);
  }, 120_000);

  it('pays a partner the bank declined on the next run, old and new commissions in one payout', async () => {
    const [q1, q2] = [dayOf(-6), dayOf(-5)];
    // An account ending 0000: the sandbox bank declines every payout to it.
    const declined = (await createPartner(sys.apiUrl, { payoutAccount: '4000000000' })).id;
    const fine = (await createPartner(sys.apiUrl)).id;
    const old = [
      commission(declined, 'EUR', 6_000, noonOf(-6)),
      commission(declined, 'EUR', 1_500, noonOf(-6)),
    ];
    await accrue([...old, commission(fine, 'EUR', 9_000, noonOf(-6))]);

    const run1Id = await settle(q1, 'EUR');
    const run1 = await untilCompleted(run1Id);
    const items1 = await itemsOf(run1Id);
    expect(items1.get(declined)).toMatchObject({ netMinor: '7500', paymentStatus: 'FAILED' });
    expect(items1.get(fine)).toMatchObject({ netMinor: '9000', paymentStatus: 'COMPLETED' });
    expect(run1.totals.EUR.byStatus).toEqual({
      COMPLETED: { count: 1, amountMinor: '9000' },
      FAILED: { count: 1, amountMinor: '7500' },
    });
    const [failed] = await paymentsOf([declined]);
    expect(failed).toMatchObject({ id: items1.get(declined)!.paymentId, status: 'FAILED' });
    expect(failed!.reason).toMatch(/^PAYOUT_DECLINED/);
    // Nothing reached the partner; its commissions are back in its balance for the next run.
    expect((await payoutsIn('EUR')).filter((e) => e.paymentId === failed!.id)).toEqual([]);
    expect((await commissionsOf([declined])).map((c) => [c.status, c.settlement_id, c.payment_id])).toEqual([
      ['PAYABLE', null, null],
      ['PAYABLE', null, null],
    ]);

    // The cause is fixed: a new account, requested by one operator, approved by another.
    const changed = await sys.api(
      'POST',
      `/partners/${declined}/payout-account-change`,
      { payoutAccount: '4000004321' },
      TEST_KEYS.alice,
    );
    expect(changed.status).toBe(202);
    expect(
      (await sys.api('POST', `/partners/${declined}/payout-account-change/approve`, undefined, TEST_KEYS.bob))
        .status,
    ).toBe(200);
    await eventually(
      () => sys.api('GET', `/partners/${declined}`),
      (r) => r.body?.payoutAccount === '****4321',
      { timeoutMs: 15_000, intervalMs: 200 },
    );

    const fresh = commission(declined, 'EUR', 2_000, noonOf(-5));
    await accrue([fresh, commission(fine, 'EUR', 5_500, noonOf(-5))]);
    const run2Id = await settle(q2, 'EUR');
    const run2 = await untilCompleted(run2Id);
    const items2 = await itemsOf(run2Id);
    expect(items2.get(declined)).toMatchObject({
      netMinor: String(6_000 + 1_500 + 2_000),
      commissionCount: 3,
      paymentStatus: 'COMPLETED',
    });
    expect(items2.get(fine)).toMatchObject({ netMinor: '5500', paymentStatus: 'COMPLETED' });
    expect(run2.totals.EUR.byStatus).toEqual({ COMPLETED: { count: 2, amountMinor: String(9_500 + 5_500) } });

    // Once, to the new account, for everything it was owed.
    const payments = await paymentsOf([declined]);
    expect(payments.map((p) => p.status)).toEqual(['FAILED', 'COMPLETED']);
    const ids = new Set(payments.map((p) => p.id));
    const paidOut = (await payoutsIn('EUR')).filter((e) => ids.has(e.paymentId));
    expect(paidOut.map((e) => [e.paymentId, e.amountMinor, e.account])).toEqual([
      [items2.get(declined)!.paymentId, 9_500, '****4321'],
    ]);
    expect(payments[1]!.payout_reference).toBe(paidOut[0]!.id);
    const entries = await commissionsOf([declined]);
    expect(entries.map((c) => [c.status, c.settlement_id, c.payment_id])).toEqual(
      entries.map(() => ['SETTLED', run2Id, items2.get(declined)!.paymentId]),
    );
    expect(entries.map((c) => c.external_ref).sort()).toEqual(
      [...old, fresh].map((c) => c.externalRef).sort(),
    );
  }, 120_000);

  it('survives a bank that loses its answers past PAYOUT_TIMEOUT, then goes down: the janitor resolves every payout, each partner is paid once', async () => {
    const periodEnd = dayOf(-4);
    const amounts = [[6_100], [7_200, 1_300], [8_400]];
    const partners = await Promise.all(
      amounts.map(async (a) => ({ id: (await createPartner(sys.apiUrl)).id, amounts: a })),
    );
    await accrue(partners.flatMap((p) => p.amounts.map((a) => commission(p.id, 'GBP', a, noonOf(-4)))));
    const ids = partners.map((p) => p.id);

    // The bank moves the money but every answer is lost (connection reset), retries included,
    // for longer than PAYOUT_TIMEOUT.
    sys.bank!.bank.setFaults({ failAfterCommitRate: 1, failAfterCommitMode: 'reset' });
    const id = await settle(periodEnd, 'GBP');
    const stuck = await eventually(
      () => paymentsOf(ids),
      (ps) => ps.length === ids.length && ps.every((p) => !['PENDING', 'PROCESSING'].includes(p.status)),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // Never failed (nor paid again) on a guess: the outcome is unknown.
    expect(stuck.map((p) => p.status)).toEqual(ids.map(() => 'PAYOUT_UNKNOWN'));
    const running = (await runOf(id)).body;
    expect(running).toMatchObject({ status: 'RUNNING', itemCount: ids.length, finishedCount: 0 });
    expect(running.totals.GBP.byStatus).toEqual({
      PAYOUT_UNKNOWN: { count: ids.length, amountMinor: String(sum(partners.map((p) => sum(p.amounts)))) },
    });
    expect((await commissionsOf(ids)).map((c) => c.status)).toEqual(
      partners.flatMap((p) => p.amounts.map(() => 'SETTLING')),
    );

    // Then the bank is down altogether: the janitor cannot learn anything and changes nothing.
    const port = Number(new URL(sys.bankUrl!).port);
    await sys.bank!.bank.stop();
    sys.bank!.bank.setFaults({ failAfterCommitRate: 0 });
    try {
      expect(await triggerJanitor()).toMatchObject({
        looked: ids.length,
        paid: 0,
        notPaid: 0,
        unresolved: ids.length,
      });
      expect((await paymentsOf(ids)).map((p) => p.status)).toEqual(ids.map(() => 'PAYOUT_UNKNOWN'));
      expect((await runOf(id)).body).toMatchObject({ status: 'RUNNING', finishedCount: 0 });
    } finally {
      await sys.bank!.bank.start(port);
    }

    // Back up: the janitor asks by each payout's key, learns they were paid, and the run finishes.
    expect(await triggerJanitor()).toMatchObject({
      looked: ids.length,
      paid: ids.length,
      notPaid: 0,
      unresolved: 0,
    });
    const run = await untilCompleted(id, 30_000);
    expect(run).toMatchObject({ itemCount: ids.length, finishedCount: ids.length });

    // Each partner paid exactly once (no late duplicate arrives), its whole balance.
    const ledger = await untilSettled(() => payoutsIn('GBP'));
    const items = await itemsOf(id);
    const payments = await paymentsOf(ids);
    expect(ledger.map((e) => [e.paymentId, e.amountMinor]).sort()).toEqual(
      partners.map((p) => [items.get(p.id)!.paymentId, sum(p.amounts)]).sort(),
    );
    for (const p of payments) {
      expect(p.status).toBe('COMPLETED');
      expect(p.payout_reference).toBe(ledger.find((e) => e.paymentId === p.id)!.id);
      const events = (await sys.api('GET', `/payments/${p.id}`)).body.events.map(
        (e: { type: string }) => e.type,
      );
      expect(events.filter((t: string) => ['PaymentPayoutUnknown', 'PaymentCompleted'].includes(t))).toEqual([
        'PaymentPayoutUnknown',
        'PaymentCompleted',
      ]);
    }
    const bankNet = (await bankSummary()).GBP!.netMinor;
    expect(bankNet).toBe(sum(partners.map((p) => sum(p.amounts))));
    expect(run.totals.GBP.byStatus).toEqual({
      COMPLETED: { count: ids.length, amountMinor: String(bankNet) },
    });
    const report = await reportOf(id);
    expect(sum(report.filter((r) => r.payment_status === 'COMPLETED').map((r) => Number(r.net_minor)))).toBe(
      bankNet,
    );
    // No commission is left SETTLING, in this run or any other.
    expect((await commissionsOf(ids)).map((c) => [c.status, c.settlement_id])).toEqual(
      partners.flatMap((p) => p.amounts.map(() => ['SETTLED', id])),
    );
    expect(await sys.db('commissions').where({ status: 'SETTLING' })).toEqual([]);
  }, 120_000);

  it('fails a payout that never reached the bank once the janitor has closed its key, and the next run pays it once', async () => {
    const amounts = [[5_500], [6_000, 700]];
    const partners = await Promise.all(
      amounts.map(async (a) => ({ id: (await createPartner(sys.apiUrl)).id, amounts: a })),
    );
    const ids = partners.map((p) => p.id);
    await accrue(partners.flatMap((p) => p.amounts.map((a) => commission(p.id, 'GBP', a, noonOf(-3)))));

    // Every payout request is refused with a 503 before the bank does anything, past PAYOUT_TIMEOUT:
    // from here that cannot be told from a lost answer.
    sys.bank!.bank.setFaults({ failureRate: 1 });
    const id = await settle(dayOf(-3), 'GBP');
    const stuck = await eventually(
      () => paymentsOf(ids),
      (ps) => ps.length === ids.length && ps.every((p) => !['PENDING', 'PROCESSING'].includes(p.status)),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(stuck.map((p) => p.status)).toEqual(ids.map(() => 'PAYOUT_UNKNOWN'));
    expect((await runOf(id)).body).toMatchObject({ status: 'RUNNING', finishedCount: 0 });

    // The bank has nothing under the keys: the janitor closes them, and the payouts fail.
    expect(await triggerJanitor()).toMatchObject({
      looked: ids.length,
      paid: 0,
      notPaid: ids.length,
      unresolved: 0,
    });
    sys.bank!.bank.setFaults({ failureRate: 0 });
    const run = await untilCompleted(id, 30_000);
    const total = sum(partners.map((p) => sum(p.amounts)));
    expect(run.totals.GBP.byStatus).toEqual({ FAILED: { count: ids.length, amountMinor: String(total) } });
    const failed = await paymentsOf(ids);
    for (const p of failed) {
      expect(p.status).toBe('FAILED');
      expect(p.reason).toMatch(/^PAYOUT_NOT_RECEIVED/);
      // Closed: a request with the key still on its way can no longer pay.
      const looked = await bank('GET', `/payouts?idempotencyKey=${encodeURIComponent(`payout:${p.id}`)}`);
      expect(looked.body.outcome).toBe('VOIDED');
    }
    const failedIds = new Set(failed.map((p) => p.id));
    expect((await payoutsIn('GBP')).filter((e) => failedIds.has(e.paymentId))).toEqual([]);
    expect((await commissionsOf(ids)).map((c) => [c.status, c.settlement_id, c.payment_id])).toEqual(
      partners.flatMap((p) => p.amounts.map(() => ['PAYABLE', null, null])),
    );

    // The next period's run pays them what they were owed, and more, once.
    await accrue([commission(partners[0]!.id, 'GBP', 1_000, noonOf(-2))]);
    const nextId = await settle(dayOf(-2), 'GBP');
    const next = await untilCompleted(nextId);
    const items = await itemsOf(nextId);
    const owed = [5_500 + 1_000, 6_000 + 700];
    expect(partners.map((p) => items.get(p.id)?.netMinor)).toEqual(owed.map(String));
    const payments = await paymentsOf(ids);
    const paid = new Set(payments.map((p) => p.id));
    const ledger = await untilSettled(async () =>
      (await payoutsIn('GBP')).filter((e) => paid.has(e.paymentId)).map((e) => [e.paymentId, e.amountMinor]),
    );
    expect(ledger.sort()).toEqual(partners.map((p, i) => [items.get(p.id)!.paymentId, owed[i]]).sort());
    expect(next.totals.GBP.byStatus).toEqual({
      COMPLETED: { count: ids.length, amountMinor: String(sum(owed)) },
    });
    expect((await commissionsOf(ids)).map((c) => [c.status, c.settlement_id])).toEqual(
      [...partners.flatMap((p) => p.amounts), 1_000].map(() => ['SETTLED', nextId]),
    );
  }, 120_000);
});
