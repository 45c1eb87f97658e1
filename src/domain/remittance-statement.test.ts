import { completeStatement, statementCsv, type StatementLine } from './remittance-statement';

const line = (overrides: Partial<StatementLine>): StatementLine => ({
  reference: 'ORD-1',
  kind: 'COMMISSION',
  description: 'Order 1',
  occurredAt: '2025-01-10T12:00:00.000Z',
  amountMinor: 5000,
  ...overrides,
});

const statement = (lines: StatementLine[], currency = 'USD') =>
  completeStatement({
    paymentId: 'pay-1',
    partner: { id: 'p-1', name: 'Ana' },
    currency,
    status: 'COMPLETED',
    settlementId: 'settlement:2025-01-31',
    periodEnd: '2025-01-31',
    createdAt: '2025-02-01T06:00:00.000Z',
    payoutReference: null,
    lines,
  });

describe('statementCsv', () => {
  it('writes a clawback line with its negative amounts as numbers, not guarded text', () => {
    const csv = statementCsv(
      statement([
        line({}),
        line({
          reference: 'ORD-0:clawback',
          kind: 'CLAWBACK',
          description: 'chargeback',
          amountMinor: -3000,
        }),
      ]),
    );
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'payment_id,partner_id,reference,kind,occurred_at,description,currency,amount_minor,amount',
    );
    expect(rows[2]).toBe(
      'pay-1,p-1,ORD-0:clawback,CLAWBACK,2025-01-10T12:00:00.000Z,chargeback,USD,-3000,-30.00',
    );
    expect(rows[3]).toBe('pay-1,p-1,TOTAL,NET,,commissions minus clawbacks,USD,2000,20.00');
  });

  it('writes a negative net in a three-decimal currency exactly', () => {
    const rows = statementCsv(statement([line({ kind: 'CLAWBACK', amountMinor: -1500 })], 'KWD'))
      .trimEnd()
      .split('\r\n');
    expect(rows.at(-1)).toBe('pay-1,p-1,TOTAL,NET,,commissions minus clawbacks,KWD,-1500,-1.500');
  });

  it.each(['=', '+', '-', '@'])('guards a description or reference starting with %s', (c) => {
    const csv = statementCsv(statement([line({ reference: `${c}ref`, description: `${c}1+1` })]));
    expect(csv.split('\r\n')[1]).toBe(
      `pay-1,p-1,'${c}ref,COMMISSION,2025-01-10T12:00:00.000Z,'${c}1+1,USD,5000,50.00`,
    );
  });
});
