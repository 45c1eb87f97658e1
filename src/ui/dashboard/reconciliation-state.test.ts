import { EXCEPTION_KINDS } from '../../domain/statement-matching';
import type { ReconciliationDay, ReconciliationException } from './api-client';
import {
  actionFor,
  dayRows,
  exceptionMoney,
  exceptionQueue,
  kindLabel,
  needsSecondOperator,
  resolutionDraft,
  statusesFor,
  writeOffMinor,
} from './reconciliation-state';

const exception = (over: Partial<ReconciliationException>): ReconciliationException => ({
  id: 1,
  kind: 'AMOUNT_MISMATCH',
  status: 'OPEN',
  account: 'ES9121000418450200051332',
  reference: 'ENTRY-1',
  amountMinor: 4_322,
  expectedMinor: 4_321,
  currency: 'EUR',
  paymentId: '0b9f3c1e-1111-4222-8333-944455556666',
  bookingDate: '2026-12-04',
  detail: 'amount differs',
  createdAt: '2026-12-05T10:00:00.000Z',
  ageSeconds: 60,
  resolution: null,
  reason: null,
  proposedBy: null,
  resolvedBy: null,
  resolvedAt: null,
  ...over,
});

const tally = (count: number, amountMinor: string) => ({ count, amountMinor });
const day = (over: Partial<ReconciliationDay>): ReconciliationDay => ({
  date: '2026-12-04',
  account: 'ES9121000418450200051332',
  currency: 'EUR',
  expected: tally(3, '60006'),
  booked: tally(3, '60006'),
  returned: tally(0, '0'),
  awaiting: tally(0, '0'),
  ...over,
});

describe('reconciliation page state', () => {
  it('orders the queue oldest first (ties by id) and filters by kind and by what still needs someone', () => {
    const items = [
      exception({ id: 3, kind: 'UNMATCHED_ENTRY', createdAt: '2026-12-05T09:00:00.000Z' }),
      exception({ id: 2, createdAt: '2026-12-05T11:00:00.000Z', status: 'RESOLVED' }),
      exception({ id: 1, createdAt: '2026-12-05T11:00:00.000Z', status: 'AWAITING_SECOND_APPROVAL' }),
      exception({ id: 4, kind: 'NOT_BOOKED', createdAt: '2026-12-01T00:00:00.000Z' }),
    ];
    expect(exceptionQueue(items, { kind: '', show: 'all' }).map((e) => e.id)).toEqual([4, 3, 1, 2]);
    expect(exceptionQueue(items, { kind: '', show: 'open' }).map((e) => e.id)).toEqual([4, 3, 1]);
    expect(exceptionQueue(items, { kind: 'AMOUNT_MISMATCH', show: 'open' }).map((e) => e.id)).toEqual([1]);
    expect(exceptionQueue(items, { kind: 'BALANCE_BREAK', show: 'all' })).toEqual([]);
    // The input is not reordered in place (it is React state).
    expect(items.map((e) => e.id)).toEqual([3, 2, 1, 4]);
    expect(statusesFor('open')).toEqual(['OPEN', 'AWAITING_SECOND_APPROVAL']);
    expect(statusesFor('all')).toEqual(['']);
  });

  it('labels every kind the domain raises', () => {
    for (const k of EXCEPTION_KINDS) expect(kindLabel(k)).not.toBe(k);
    expect(kindLabel('DUPLICATE_BOOKING')).toBe('Duplicate booking');
  });

  it('tells a write-off above the limit needs a second operator, by the domain’s gap rule', () => {
    // Off by one: one minor unit is given up.
    expect(writeOffMinor(exception({}))).toBe(1n);
    expect(needsSecondOperator(exception({}), 500)).toBe(false);
    // Nobody ordered it: the whole entry.
    const unmatched = exception({ kind: 'UNMATCHED_ENTRY', amountMinor: 1_234, expectedMinor: null });
    expect(writeOffMinor(unmatched)).toBe(1_234n);
    expect(needsSecondOperator(unmatched, 500)).toBe(true);
    expect(needsSecondOperator(unmatched, 1_234)).toBe(false);
    // Never booked: the whole payout; a short booking: the difference either way.
    expect(writeOffMinor(exception({ amountMinor: null, expectedMinor: 9_000 }))).toBe(9_000n);
    expect(writeOffMinor(exception({ amountMinor: 8_000, expectedMinor: 9_000 }))).toBe(1_000n);
  });

  it('offers resolve, confirm or nothing by status, role and who proposed', () => {
    const alice = { canAct: true, actor: 'alice' };
    const bob = { canAct: true, actor: 'bob' };
    const viewer = { canAct: false, actor: 'vera' };
    const proposed = exception({
      status: 'AWAITING_SECOND_APPROVAL',
      proposedBy: 'alice',
      resolution: 'WRITE_OFF',
    });
    expect(actionFor(exception({}), alice)).toBe('resolve');
    expect(actionFor(exception({}), viewer)).toBe('read-only');
    expect(actionFor(proposed, alice)).toBe('own-proposal');
    expect(actionFor(proposed, bob)).toBe('confirm');
    expect(actionFor(proposed, viewer)).toBe('read-only');
    expect(actionFor(exception({ status: 'RESOLVED' }), bob)).toBe('resolved');
  });

  it('sends a resolution only with a reason the API takes', () => {
    expect(resolutionDraft('EXPLAINED', '  ok ')).toEqual({
      ok: false,
      message: expect.stringMatching(/at least 3/),
    });
    expect(resolutionDraft('WRITE_OFF', ' bank fee ')).toEqual({
      ok: true,
      body: { resolution: 'WRITE_OFF', reason: 'bank fee' },
    });
    expect(resolutionDraft('EXPLAINED', 'x'.repeat(2_001)).ok).toBe(false);
  });

  it('formats amounts in the currency’s digits, and says when there is none', () => {
    expect(exceptionMoney(4_322, 'EUR', 'en-US')).toBe('€43.22');
    expect(exceptionMoney(1_234, 'JPY', 'en-US')).toBe('¥1,234');
    expect(exceptionMoney(null, 'EUR')).toBe('—');
    expect(exceptionMoney(77, null)).toBe('77 (minor units)');
  });

  it('lists days newest first with exact totals, settled only when all is booked or returned for the sum expected', () => {
    const rows = dayRows(
      [
        day({ date: '2026-12-03' }),
        day({
          date: '2026-12-04',
          currency: 'USD',
          expected: tally(2, '900719925474099300'),
          booked: tally(1, '900719925474099200'),
          awaiting: tally(1, '100'),
        }),
        day({ date: '2026-12-04', booked: tally(2, '50005'), returned: tally(1, '10001') }),
      ],
      'en-US',
    );
    expect(rows.map((r) => [r.day.date, r.day.currency, r.settled])).toEqual([
      ['2026-12-04', 'EUR', true],
      ['2026-12-04', 'USD', false],
      ['2026-12-03', 'EUR', true],
    ]);
    // Beyond 2^53, exactly.
    expect(rows[1]!.expected).toBe('$9,007,199,254,740,993.00');
    expect(rows[0]!.returned).toBe('€100.01');
    // Booked for another sum than expected (a wrong amount booked elsewhere): not settled.
    expect(dayRows([day({ booked: tally(3, '60005') })])[0]!.settled).toBe(false);
  });
});
