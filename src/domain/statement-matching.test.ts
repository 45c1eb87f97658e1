import { ReconciliationException } from './reconciliation-exception.aggregate';
import {
  addBankingDays,
  matchStatement,
  overduePayouts,
  type AccountStatement,
  type ExpectedPayout,
  type StatementEntry,
} from './statement-matching';

const P1 = '11111111-1111-4111-8111-111111111111';
const P2 = '22222222-2222-4222-8222-222222222222';
const e2e = (id: string) => id.replace(/-/g, '');
const payout = (
  paymentId: string,
  amountMinor: bigint,
  state: ExpectedPayout['state'] = 'AWAITING_STATEMENT',
) => ({
  paymentId,
  amountMinor,
  currency: 'EUR',
  messageId: 'M1',
  paymentInformationId: 'M1-1',
  state,
});
const line = (id: string | null, amountMinor: bigint | null, returnCode: string | null = null) => ({
  endToEndId: id ? e2e(id) : 'ffff',
  paymentId: id,
  amountMinor,
  returnCode,
  returnText: returnCode ? 'Closed account' : null,
});
const entry = (over: Partial<StatementEntry>): StatementEntry => ({
  ref: 'E1',
  amountMinor: 300n,
  currency: 'EUR',
  creditDebit: 'DBIT',
  booked: true,
  bookingDate: '2030-01-10',
  batch: { messageId: 'M1', paymentInformationId: 'M1-1', count: 2, totalMinor: 300n },
  lines: [line(P1, 100n), line(P2, 200n)],
  isReturn: false,
  ...over,
});
const statement = (entries: StatementEntry[], closingMinor?: bigint): AccountStatement => ({
  id: 'S1',
  account: 'ES91',
  balance:
    closingMinor === undefined
      ? null
      : { openingMinor: 0n, closingMinor, currency: 'EUR', date: '2030-01-10' },
  entries,
});
const ctx = (payouts: ExpectedPayout[], seen: string[] = []) => ({
  payouts: new Map(payouts.map((p) => [p.paymentId, p])),
  batches: [
    {
      messageId: 'M1',
      paymentInformationId: 'M1-1',
      count: 2,
      totalMinor: 300n,
      currency: 'EUR',
      paymentIds: [P1, P2],
    },
  ],
  seenEntries: new Set(seen),
});
const kinds = (m: ReturnType<typeof matchStatement>) =>
  m.decisions.flatMap((d) => (d.type === 'EXCEPTION' ? [d.exception.kind] : []));

describe('matchStatement', () => {
  it('books a batch entry by its transactions; balanced, nothing else', () => {
    const m = matchStatement(statement([entry({})], -300n), ctx([payout(P1, 100n), payout(P2, 200n)]));
    expect(m.decisions.map((d) => d.type)).toEqual(['BOOK', 'BOOK']);
    expect(kinds(m)).toEqual([]);
  });

  it('books a batch without transaction details by PmtInfId, count and sum', () => {
    const m = matchStatement(statement([entry({ lines: [] })]), ctx([payout(P1, 100n), payout(P2, 200n)]));
    expect(m.decisions.map((d) => d.type)).toEqual(['BOOK', 'BOOK']);
    const short = matchStatement(
      statement([entry({ lines: [], amountMinor: 299n })]),
      ctx([payout(P1, 100n), payout(P2, 200n)]),
    );
    expect(kinds(short)).toEqual(['AMOUNT_MISMATCH']);
  });

  it('an entry already applied is skipped: a re-issued statement changes nothing', () => {
    const m = matchStatement(statement([entry({})]), ctx([payout(P1, 100n), payout(P2, 200n)], ['E1']));
    expect(m.decisions).toEqual([]);
    expect(m.lines).toEqual([]);
  });

  it('an amount off by one minor unit: one AMOUNT_MISMATCH for that payout, the other booked', () => {
    const m = matchStatement(
      statement([entry({ amountMinor: 301n, lines: [line(P1, 101n), line(P2, 200n)] })]),
      ctx([payout(P1, 100n), payout(P2, 200n)]),
    );
    expect(kinds(m)).toEqual(['AMOUNT_MISMATCH']);
    expect(
      m.decisions.filter((d) => d.type === 'BOOK').map((d) => (d as { paymentId: string }).paymentId),
    ).toEqual([P2]);
  });

  it('a currency that differs is a mismatch too', () => {
    const m = matchStatement(
      statement([entry({ currency: 'USD', batch: null, lines: [line(P1, 100n)], amountMinor: 100n })]),
      ctx([payout(P1, 100n)]),
    );
    expect(kinds(m)).toEqual(['AMOUNT_MISMATCH']);
  });

  it('an EndToEndId nobody sent: UNMATCHED_ENTRY', () => {
    const m = matchStatement(
      statement([entry({ batch: null, amountMinor: 1234n, lines: [line(null, 1234n)] })]),
      ctx([]),
    );
    expect(kinds(m)).toEqual(['UNMATCHED_ENTRY']);
  });

  it('the same transfer booked twice: one DUPLICATE_BOOKING for the second entry', () => {
    const one = entry({ batch: null, amountMinor: 100n, lines: [line(P1, 100n)] });
    const m = matchStatement(statement([one, { ...one, ref: 'E2' }]), ctx([payout(P1, 100n)]));
    expect(m.decisions.map((d) => d.type)).toEqual(['BOOK', 'EXCEPTION']);
    expect(kinds(m)).toEqual(['DUPLICATE_BOOKING']);
    const later = matchStatement(statement([{ ...one, ref: 'E3' }]), ctx([payout(P1, 100n, 'BOOKED')]));
    expect(kinds(later)).toEqual(['DUPLICATE_BOOKING']);
  });

  it('a return is applied once, even when named twice', () => {
    const ret = entry({
      creditDebit: 'CRDT',
      batch: null,
      amountMinor: 100n,
      isReturn: true,
      lines: [line(P1, 100n, 'AC04')],
    });
    const m = matchStatement(statement([ret, { ...ret, ref: 'E9' }]), ctx([payout(P1, 100n, 'BOOKED')]));
    expect(m.decisions).toEqual([
      { type: 'RETURN', paymentId: P1, entryRef: 'E1', code: 'AC04', text: 'Closed account' },
    ]);
    const after = matchStatement(statement([ret]), ctx([payout(P1, 100n, 'RETURNED')]));
    expect(after.decisions).toEqual([]);
  });

  it('opening + entries ≠ closing: BALANCE_BREAK keyed by the statement', () => {
    const m = matchStatement(statement([entry({})], -299n), ctx([payout(P1, 100n), payout(P2, 200n)]));
    expect(kinds(m)).toEqual(['BALANCE_BREAK']);
    const key = m.decisions.find((d) => d.type === 'EXCEPTION');
    expect(key).toMatchObject({ exception: { key: 'BALANCE_BREAK:ES91:S1' } });
  });
});

describe('overduePayouts', () => {
  const awaiting = [
    {
      paymentId: P1,
      amountMinor: 100n,
      currency: 'EUR',
      account: 'ES91',
      executionDate: '2030-01-10',
      sentAt: new Date('2030-01-10T08:00:00Z'),
    },
  ];
  it('counts banking days: Thursday + 3 is Tuesday', () => {
    expect(addBankingDays('2030-01-10', 3)).toBe('2030-01-15');
    expect(
      overduePayouts(awaiting, new Date('2030-01-15T23:00:00Z'), { kind: 'banking-days', days: 3 }),
    ).toEqual([]);
    expect(
      overduePayouts(awaiting, new Date('2030-01-16T00:00:01Z'), { kind: 'banking-days', days: 3 }).map(
        (d) => d.key,
      ),
    ).toEqual([`NOT_BOOKED:${P1}`]);
  });
});

describe('ReconciliationException.resolve', () => {
  const exception = (amountMinor: bigint) =>
    ReconciliationException.fromSnapshot({
      id: 1,
      key: 'k',
      kind: 'UNMATCHED_ENTRY',
      account: 'ES91',
      reference: 'x',
      amountMinor,
      expectedMinor: null,
      currency: 'EUR',
      paymentId: null,
      bookingDate: null,
      detail: 'd',
      status: 'OPEN',
      resolution: null,
      reason: null,
      proposedBy: null,
      resolvedBy: null,
      createdAt: '2030-01-10T00:00:00Z',
      resolvedAt: null,
      version: 1,
    });
  const now = new Date('2030-01-11T00:00:00Z');

  it('a small write-off or an explanation resolves at once', () => {
    expect(
      exception(100n).resolve({
        actor: 'a',
        resolution: 'WRITE_OFF',
        reason: 'fee',
        fourEyesAboveMinor: 500n,
        now,
      }),
    ).toBe('RESOLVED');
    expect(
      exception(9_999n).resolve({
        actor: 'a',
        resolution: 'EXPLAINED',
        reason: 'known',
        fourEyesAboveMinor: 500n,
        now,
      }),
    ).toBe('RESOLVED');
  });

  it('a large write-off needs another operator; the proposer may not confirm it', () => {
    const e = exception(1_234n);
    expect(
      e.resolve({ actor: 'a', resolution: 'WRITE_OFF', reason: 'fee', fourEyesAboveMinor: 500n, now }),
    ).toBe('AWAITING_SECOND_APPROVAL');
    expect(() =>
      e.resolve({ actor: 'a', resolution: 'WRITE_OFF', reason: 'again', fourEyesAboveMinor: 500n, now }),
    ).toThrow(expect.objectContaining({ code: 'RECONCILIATION.FOUR_EYES_VIOLATION' }));
    expect(
      e.resolve({ actor: 'b', resolution: 'WRITE_OFF', reason: 'agreed', fourEyesAboveMinor: 500n, now }),
    ).toBe('RESOLVED');
    expect(e.toSnapshot()).toMatchObject({
      status: 'RESOLVED',
      proposedBy: 'a',
      resolvedBy: 'b',
      reason: 'fee / agreed',
    });
    expect(() =>
      e.resolve({ actor: 'c', resolution: 'EXPLAINED', reason: 'late', fourEyesAboveMinor: 500n, now }),
    ).toThrow(expect.objectContaining({ code: 'RECONCILIATION.ALREADY_RESOLVED' }));
  });
});
