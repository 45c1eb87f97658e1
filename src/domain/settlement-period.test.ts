import { isDomainError } from './domain-error';
import { assertPeriodEnded, latestEndedPeriod, parsePeriodEnd, periodCutoff } from './settlement-period';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return isDomainError(e) ? e.code : String(e);
  }
};

describe('settlement periods', () => {
  it('are calendar days, inclusive: the cut-off is the first instant of the next day', () => {
    expect(periodCutoff('2026-11-30')).toBe('2026-12-01T00:00:00.000Z');
    expect(periodCutoff('2024-02-29')).toBe('2024-03-01T00:00:00.000Z');
  });

  it('refuse what is not a calendar date', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '26-11-30', '2026-11-30T00:00:00Z', '']) {
      expect(code(() => parsePeriodEnd(bad))).toBe('SETTLEMENT.INVALID_PERIOD');
    }
  });

  it('end yesterday at the latest, in UTC', () => {
    const now = new Date('2026-12-06T00:30:00Z');
    expect(latestEndedPeriod(now)).toBe('2026-12-05');
    expect(code(() => assertPeriodEnded('2026-12-05', now))).toBeUndefined();
    expect(code(() => assertPeriodEnded('2026-12-06', now))).toBe('SETTLEMENT.INVALID_PERIOD');
    expect(code(() => assertPeriodEnded('2026-12-31', now))).toBe('SETTLEMENT.INVALID_PERIOD');
  });
});
