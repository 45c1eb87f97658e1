import {
  BLOCKS_PAYOUTS,
  PAYABILITY_REASONS,
  payabilityOf,
  taxFormStanding,
  WHAT_TO_DO,
  type PartnerPayabilityFacts,
} from './payability';

const NOW = new Date('2025-06-10T12:00:00Z');
const facts = (overrides: Partial<PartnerPayabilityFacts> = {}): PartnerPayabilityFacts => ({
  status: 'ACTIVE',
  onHold: false,
  hasPayoutMethod: true,
  pendingMethodChange: false,
  taxForm: 'NOT_REQUIRED',
  ...overrides,
});

describe('taxFormStanding', () => {
  const approved = { status: 'APPROVED' as const, country: 'DE', expiresOn: '2027-12-31' };

  it('off: never required', () => {
    expect(taxFormStanding({ kind: 'off' }, null, NOW)).toBe('NOT_REQUIRED');
  });

  it('everyone: missing, in review, rejected, expired, approved', () => {
    const all = { kind: 'all' } as const;
    expect(taxFormStanding(all, null, NOW)).toBe('MISSING');
    expect(taxFormStanding(all, { ...approved, status: 'SUBMITTED' }, NOW)).toBe('IN_REVIEW');
    expect(taxFormStanding(all, { ...approved, status: 'REJECTED' }, NOW)).toBe('REJECTED');
    expect(taxFormStanding(all, approved, new Date('2028-01-01T00:00:00Z'))).toBe('EXPIRED');
    expect(taxFormStanding(all, approved, NOW)).toBe('APPROVED');
  });

  it('a country list: only partners whose tax country is listed', () => {
    const listed = { kind: 'countries', countries: ['US', 'CO'] } as const;
    expect(taxFormStanding(listed, { ...approved, status: 'REJECTED' }, NOW)).toBe('NOT_REQUIRED');
    expect(taxFormStanding(listed, { ...approved, country: 'CO', status: 'REJECTED' }, NOW)).toBe('REJECTED');
    expect(taxFormStanding(listed, null, NOW)).toBe('NOT_REQUIRED');
  });
});

describe('payabilityOf', () => {
  it('every reason has something to do', () => {
    for (const r of PAYABILITY_REASONS) expect(WHAT_TO_DO[r].length).toBeGreaterThan(10);
  });

  it('payable: the expected amount per currency and the next run', () => {
    expect(
      payabilityOf(
        facts(),
        [{ currency: 'EUR', netPayableMinor: '12000', minimumMinor: 5000 }],
        '2025-07-01T06:00:00.000Z',
      ),
    ).toEqual({
      payable: true,
      reasons: [],
      currencies: [
        {
          currency: 'EUR',
          expectedMinor: '12000',
          minimumMinor: 5000,
          payable: true,
          nextPayoutAt: '2025-07-01T06:00:00.000Z',
        },
      ],
    });
  });

  it('not payable: every blocking reason, in order, with what to do; no next payout date', () => {
    const view = payabilityOf(
      facts({ status: 'SUSPENDED', onHold: true, taxForm: 'REJECTED', pendingMethodChange: true }),
      [{ currency: 'EUR', netPayableMinor: '12000', minimumMinor: 5000 }],
      '2025-07-01T06:00:00.000Z',
    );
    expect(view.payable).toBe(false);
    expect(view.reasons.map((r) => [r.code, r.blocking])).toEqual([
      ['SUSPENDED', true],
      ['ON_HOLD', true],
      ['TAX_FORM_REJECTED', true],
      ['PAYOUT_METHOD_PENDING_CHANGE', false],
    ]);
    expect(view.reasons[2]!.whatToDo).toBe(WHAT_TO_DO.TAX_FORM_REJECTED);
    expect(view.currencies[0]).toMatchObject({ payable: false, nextPayoutAt: null, expectedMinor: '12000' });
  });

  it('below the minimum holds back that currency only; a pending method change blocks nothing', () => {
    const view = payabilityOf(
      facts({ pendingMethodChange: true }),
      [
        { currency: 'EUR', netPayableMinor: '100', minimumMinor: 5000 },
        { currency: 'USD', netPayableMinor: '9000', minimumMinor: 5000 },
        { currency: 'GBP', netPayableMinor: '-300', minimumMinor: 5000 },
      ],
      'next',
    );
    expect(view.payable).toBe(true);
    expect(view.reasons).toEqual([
      expect.objectContaining({ code: 'PAYOUT_METHOD_PENDING_CHANGE', blocking: false }),
      expect.objectContaining({ code: 'BELOW_MINIMUM', currency: 'EUR', blocking: false }),
    ]);
    expect(view.currencies.map((c) => [c.currency, c.payable, c.expectedMinor, c.nextPayoutAt])).toEqual([
      ['EUR', false, '100', null],
      ['USD', true, '9000', 'next'],
      ['GBP', false, '0', null],
    ]);
  });

  it('tax standings map to their reasons; approved and not required to none', () => {
    const codes = (taxForm: PartnerPayabilityFacts['taxForm']) =>
      payabilityOf(facts({ taxForm }), [], null).reasons.map((r) => r.code);
    expect(codes('MISSING')).toEqual(['TAX_FORM_MISSING']);
    expect(codes('EXPIRED')).toEqual(['TAX_FORM_EXPIRED']);
    expect(codes('IN_REVIEW')).toEqual(['TAX_FORM_PENDING_REVIEW']);
    expect(codes('APPROVED')).toEqual([]);
    expect(codes('NOT_REQUIRED')).toEqual([]);
    expect(BLOCKS_PAYOUTS.TAX_FORM_MISSING).toBe(true);
  });
});
