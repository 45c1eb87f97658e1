// The bank's camt builder read back by our own camt parser (tests only: the layer rules keep the
// sandbox bank's code apart from ours). Schema validity is checked in test/sandbox-bank-statements.itest.ts.
import { balanceCheck, parseCamt053, parseCamt054 } from '../infra/rails/iso20022/camt.parser';
import { buildCamt053, buildCamt054, type AccountEntry } from './camt.builder';

const ACCOUNT = 'FR1420041010050500013M02606';
const E2E = (n: number): string => `0000000000004000800${n.toString(16).padStart(13, '0')}`;
const at = new Date('2025-03-03T10:00:00Z');

let seq = 0;
const entry = (e: Partial<AccountEntry> & Pick<AccountEntry, 'kind' | 'transactions'>): AccountEntry => ({
  id: `00000000-0000-4000-8000-${(++seq).toString(16).padStart(12, '0')}`,
  seq,
  account: ACCOUNT,
  currency: 'EUR',
  bookingDate: '2025-03-03',
  creditDebit: 'DBIT',
  amountMinor: e.transactions.reduce((s, t) => s + t.amountMinor, 0n),
  messageId: 'MSG-1',
  paymentInformationId: 'MSG-1-1',
  returnReason: null,
  bookedAt: at,
  ...e,
});
const tx = (n: number, amountMinor: bigint) => ({ endToEndId: E2E(n), instructionId: E2E(n), amountMinor });

const batch = entry({ kind: 'BATCH', transactions: [tx(1, 1505000n), tx(2, 1n), tx(3, 99n)] });
const single = entry({ kind: 'TRANSFER', transactions: [tx(4, 2500n)], paymentInformationId: 'MSG-2-1' });
const returned = entry({
  kind: 'RETURN',
  creditDebit: 'CRDT',
  transactions: [{ ...tx(1, 1505000n), instructionId: null }],
  returnReason: 'AC04',
});

describe('buildCamt053 (sandbox bank)', () => {
  it('writes balances, a batch entry with its transactions, a single entry and a return, read back exactly', () => {
    const built = buildCamt053({
      account: ACCOUNT,
      date: '2025-03-03',
      statements: [
        {
          account: ACCOUNT,
          currency: 'EUR',
          date: '2025-03-03',
          openingBalanceMinor: 100n,
          entries: [batch, single, returned],
        },
      ],
    });
    expect(built.xml).toContain('<TtlAmt Ccy="EUR">15051.00</TtlAmt>');
    const parsed = parseCamt053(built.xml);
    expect(parsed.messageId).toBe(built.messageId);
    const [s] = parsed.statements;
    expect(s!.account).toEqual({ id: ACCOUNT, isIban: true, currency: 'EUR' });
    expect(s!.openingBalance).toEqual({
      type: 'OPBD',
      amountMinor: 100n,
      currency: 'EUR',
      date: '2025-03-03',
    });
    // 100 − 1505100 − 2500 + 1505000 = −2500: a debit balance.
    expect(s!.closingBalance).toMatchObject({ type: 'CLBD', amountMinor: -2500n });
    expect(built.xml).toMatch(
      /<Cd>CLBD<\/Cd>[\s\S]*?<Amt Ccy="EUR">25.00<\/Amt>\s*<CdtDbtInd>DBIT<\/CdtDbtInd>/,
    );
    expect(balanceCheck(s!)).toMatchObject({ balanced: true, netEntriesMinor: -2600n });

    const [b, t, r] = s!.entries;
    expect(b).toMatchObject({
      amountMinor: 1505100n,
      creditDebit: 'DBIT',
      status: 'BOOK',
      bookingDate: '2025-03-03',
      bankTransactionCode: 'PMNT/ICDT/ESCT',
      batch: {
        messageId: 'MSG-1',
        paymentInformationId: 'MSG-1-1',
        numberOfTransactions: 3,
        totalAmountMinor: 1505100n,
      },
      isReturn: false,
    });
    expect(b!.transactions.map((x) => [x.endToEndId, x.amountMinor, x.paymentInformationId])).toEqual([
      [E2E(1), 1505000n, 'MSG-1-1'],
      [E2E(2), 1n, 'MSG-1-1'],
      [E2E(3), 99n, 'MSG-1-1'],
    ]);
    expect(b!.transactions[0]!.paymentId).toBe('00000000-0000-4000-8000-000000000001');
    expect(t).toMatchObject({ amountMinor: 2500n, batch: null });
    expect(t!.transactions.map((x) => x.endToEndId)).toEqual([E2E(4)]);
    expect(r).toMatchObject({ creditDebit: 'CRDT', isReturn: true, bankTransactionCode: 'PMNT/ICDT/RRTN' });
    expect(r!.transactions[0]).toMatchObject({
      endToEndId: E2E(1),
      amountMinor: 1505000n,
      return: { code: 'AC04', additionalInformation: ['Closed account number'] },
    });
  });

  it('gives the same content the same MsgId, and other content another', () => {
    const input = {
      account: ACCOUNT,
      date: '2025-03-03',
      statements: [
        { account: ACCOUNT, currency: 'EUR', date: '2025-03-03', openingBalanceMinor: 0n, entries: [single] },
      ],
    };
    expect(buildCamt053(input)).toEqual(buildCamt053(input));
    expect(buildCamt053({ ...input, closingBalanceOffsetMinor: 1n }).messageId).not.toBe(
      buildCamt053(input).messageId,
    );
  });

  it('writes amounts with the currency digits (JPY 0, KWD 3) and a break when asked', () => {
    const jpy = entry({ kind: 'TRANSFER', currency: 'JPY', transactions: [tx(5, 120000n)] });
    const kwd = entry({ kind: 'TRANSFER', currency: 'KWD', transactions: [tx(6, 1234n)] });
    const built = buildCamt053({
      account: ACCOUNT,
      date: '2025-03-03',
      statements: [
        { account: ACCOUNT, currency: 'JPY', date: '2025-03-03', openingBalanceMinor: 0n, entries: [jpy] },
        { account: ACCOUNT, currency: 'KWD', date: '2025-03-03', openingBalanceMinor: 5n, entries: [kwd] },
      ],
      closingBalanceOffsetMinor: 1n,
    });
    expect(built.xml).toContain('<Amt Ccy="JPY">120000</Amt>');
    expect(built.xml).toContain('<Amt Ccy="KWD">1.234</Amt>');
    const [j, k] = parseCamt053(built.xml).statements;
    expect(j!.entries[0]!.amountMinor).toBe(120000n);
    expect(k!.entries[0]!.amountMinor).toBe(1234n);
    expect(balanceCheck(k!)).toMatchObject({ balanced: false, differenceMinor: 1n });
  });
});

describe('buildCamt054 (sandbox bank)', () => {
  it('notifies entries with their references and returns with their reason', () => {
    const built = buildCamt054({ account: ACCOUNT, entries: [single, returned] });
    const parsed = parseCamt054(built.xml);
    expect(parsed.messageId).toBe(built.messageId);
    const [n] = parsed.notifications;
    expect(n!.openingBalance).toBeNull();
    expect(
      n!.entries.map((e) => [e.creditDebit, e.amountMinor, e.isReturn, e.transactions[0]!.endToEndId]),
    ).toEqual([
      ['DBIT', 2500n, false, E2E(4)],
      ['CRDT', 1505000n, true, E2E(1)],
    ]);
    expect(n!.entries[1]!.transactions[0]!.return?.code).toBe('AC04');
  });
});
