// The bank's report builder against our own pain.001 builder and pain.002 parser (tests only: the
// layer rules keep the sandbox bank's code apart from ours).
import { buildPain001 } from '../infra/rails/iso20022/pain001.builder';
import { outcomeOf, parsePain002 } from '../infra/rails/iso20022/pain002.parser';
import { buildPain002 } from './pain002.builder';

const ID = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const E2E = (n: number): string => ID(n).replace(/-/g, '');

const pain001 = buildPain001({
  debtor: { name: 'Alpes Partners SAS', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPP' },
  currency: 'EUR',
  requestedExecutionDate: '2025-03-03',
  createdAt: '2025-03-01T06:00:00Z',
  transfers: [1, 2, 3].map((n) => ({
    paymentId: ID(n),
    amountMinor: BigInt(n * 1000),
    creditor: { name: `Partner ${n}`, account: { iban: 'DE89370400440532013000' } },
    remittanceReference: `STMT-${n}`,
  })),
});
const at = '2025-03-01T07:00:00Z';

describe('buildPain002 (sandbox bank)', () => {
  it('accepts every transaction: ACCP at every level, the original ids and totals echoed', () => {
    const report = buildPain002({ pain001: pain001.xml, createdAt: at });
    expect(report.groupStatus).toBe('ACCP');
    const parsed = parsePain002(report.xml);
    expect(parsed).toMatchObject({
      messageId: report.messageId,
      originalMessageId: pain001.messageId,
      originalMessageNameId: 'pain.001.001.10',
      originalNumberOfTransactions: 3,
      originalControlSum: '60.00',
      groupStatus: 'ACCP',
    });
    expect(parsed.paymentInformations.map((p) => [p.originalPaymentInformationId, p.status])).toEqual([
      [pain001.paymentInformationId, 'ACCP'],
    ]);
    expect(parsed.transactions.map((t) => [t.paymentId, t.status, outcomeOf(t.status!)])).toEqual(
      [1, 2, 3].map((n) => [ID(n), 'ACCP', 'ACCEPTED']),
    );
  });

  it('rejects the chosen transactions with their ISO reason codes: PART above them', () => {
    const report = buildPain002({
      pain001: pain001.xml,
      createdAt: at,
      reject: { [E2E(1)]: 'AC01', [E2E(3)]: 'AM04' },
    });
    expect(report.groupStatus).toBe('PART');
    const parsed = parsePain002(report.xml);
    expect(parsed.paymentInformations[0]!.status).toBe('PART');
    expect(parsed.transactions.map((t) => [t.paymentId, t.status, t.reasons.map((r) => r.code)])).toEqual([
      [ID(1), 'RJCT', ['AC01']],
      [ID(2), 'ACCP', []],
      [ID(3), 'RJCT', ['AM04']],
    ]);
    expect(parsed.transactions[0]!.reasons[0]!.additionalInformation).toEqual(['Incorrect account number']);
  });

  it('rejects them all: RJCT at every level; ACSC when asked to report accepted ones as settled', () => {
    const all = buildPain002({
      pain001: pain001.xml,
      createdAt: at,
      reject: { [E2E(1)]: 'AC04', [E2E(2)]: 'AC04', [E2E(3)]: 'AC04' },
    });
    expect(parsePain002(all.xml)).toMatchObject({
      groupStatus: 'RJCT',
      paymentInformations: [{ status: 'RJCT' }],
    });
    const settled = buildPain002({ pain001: pain001.xml, createdAt: at, acceptStatus: 'ACSC' });
    expect(parsePain002(settled.xml).transactions.map((t) => t.status)).toEqual(['ACSC', 'ACSC', 'ACSC']);
  });

  it('the same answer to the same file has the same MsgId; another answer another one', () => {
    const a = buildPain002({ pain001: pain001.xml, createdAt: at });
    expect(buildPain002({ pain001: pain001.xml, createdAt: '2025-03-02T00:00:00Z' }).messageId).toBe(
      a.messageId,
    );
    expect(
      buildPain002({ pain001: pain001.xml, createdAt: at, reject: { [E2E(2)]: 'AC04' } }).messageId,
    ).not.toBe(a.messageId);
  });

  it('refuses to reject a transaction the file does not hold, and a document that is not a pain.001', () => {
    expect(() => buildPain002({ pain001: pain001.xml, createdAt: at, reject: { [E2E(9)]: 'AC01' } })).toThrow(
      /no transaction/,
    );
    expect(() => buildPain002({ pain001: '<Document><X/></Document>', createdAt: at })).toThrow(
      /not a pain.001/,
    );
  });
});
