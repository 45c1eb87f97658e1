import { settlementReportHeader, settlementReportLine, type SettlementReportItem } from './settlement-report';

const item = (overrides: Partial<SettlementReportItem> = {}): SettlementReportItem => ({
  seq: 1,
  partnerId: 'p-1',
  currency: 'EUR',
  netMinor: '7500',
  commissionCount: 2,
  clawbackCount: 0,
  paymentId: 'pay-1',
  paymentStatus: 'COMPLETED',
  skipReason: null,
  skipDetail: null,
  ...overrides,
});

describe('the settlement report (report.csv)', () => {
  it('has one header', () => {
    expect(settlementReportHeader()).toBe(
      'settlement_id,seq,partner_id,currency,net_minor,commission_count,clawback_count,payment_id,payment_status,skip_reason,skip_detail',
    );
  });

  it('writes a payout', () => {
    expect(settlementReportLine('settlement:2025-01-31', item())).toBe(
      'settlement:2025-01-31,1,p-1,EUR,7500,2,0,pay-1,COMPLETED,,',
    );
  });

  it('writes a NEGATIVE_BALANCE net as a number (no formula guard), its text guarded as text', () => {
    const line = settlementReportLine(
      'settlement:2025-01-31',
      item({
        seq: 7,
        netMinor: '-3000',
        clawbackCount: 1,
        commissionCount: 0,
        paymentId: null,
        paymentStatus: null,
        skipReason: 'NEGATIVE_BALANCE',
        skipDetail: '-30.00 EUR carries forward',
      }),
    );
    expect(line).toBe(
      "settlement:2025-01-31,7,p-1,EUR,-3000,0,1,,,NEGATIVE_BALANCE,'-30.00 EUR carries forward",
    );
  });

  it('writes nets past 2^53 exactly', () => {
    expect(settlementReportLine('s', item({ netMinor: '-18000000000000001' }))).toContain(
      ',-18000000000000001,',
    );
  });

  it('guards a partner-controlled text field that starts like a formula', () => {
    expect(settlementReportLine('s', item({ partnerId: '=cmd()' }))).toContain(",'=cmd(),");
  });
});
