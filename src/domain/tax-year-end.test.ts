import { netOf, taxYearEndHeader, taxYearEndLine, taxYearRange } from './tax-year-end';

describe('tax year-end export', () => {
  it('a year is the UTC calendar year, half-open', () => {
    expect(taxYearRange(2026)).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
  });

  it.each([1999, 2101, 2026.5, Number.NaN])('refuses the year %p', (year) => {
    expect(() => taxYearRange(year)).toThrow(expect.objectContaining({ code: 'TAX_PROFILE.INVALID_YEAR' }));
  });

  it('nets exactly past 2^53', () => {
    expect(netOf('9007199254740993', '1')).toBe('9007199254740992');
    expect(netOf('0', '1500')).toBe('-1500');
  });

  it('writes amounts as numbers (a negative net unguarded) and guards text', () => {
    const line = taxYearEndLine(2026, {
      partnerId: 'p-1',
      partnerName: '=HYPERLINK("x")',
      formType: 'W-8BEN',
      formStatus: 'APPROVED',
      taxCountry: 'DE',
      legalName: 'Schmidt, Jana',
      currency: 'EUR',
      paidMinor: '0',
      refundedMinor: '1500',
      netMinor: '-1500',
      paymentCount: 0,
      refundCount: 1,
    });
    expect(line).toBe(
      `2026,p-1,"'=HYPERLINK(""x"")",W-8BEN,APPROVED,DE,"Schmidt, Jana",EUR,0,1500,-1500,0,1`,
    );
    expect(taxYearEndHeader().split(',')).toHaveLength(line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).length);
  });
});
