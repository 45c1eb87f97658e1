import { isDomainError } from './domain-error';
import {
  assertPeriodEnded,
  latestEndedPeriod,
  parsePeriodEnd,
  parseTimeZone,
  periodCutoff,
} from './settlement-period';

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

  describe('in the programme’s time zone (SETTLEMENT_TIME_ZONE)', () => {
    it('end at local midnight in America/Bogota (UTC−5, no DST)', () => {
      expect(periodCutoff('2026-01-31', 'America/Bogota')).toBe('2026-02-01T05:00:00.000Z');
      expect(periodCutoff('2026-06-30', 'America/Bogota')).toBe('2026-07-01T05:00:00.000Z');
    });

    it('end at local midnight in Asia/Tokyo (UTC+9): before UTC midnight', () => {
      expect(periodCutoff('2026-01-31', 'Asia/Tokyo')).toBe('2026-01-31T15:00:00.000Z');
    });

    it('follow DST in Europe/Madrid: a 23-hour day in March, a 25-hour day in October', () => {
      // 29 March 2026: 02:00 CET becomes 03:00 CEST.
      const march28 = Date.parse(periodCutoff('2026-03-28', 'Europe/Madrid'));
      const march29 = Date.parse(periodCutoff('2026-03-29', 'Europe/Madrid'));
      expect(new Date(march28).toISOString()).toBe('2026-03-28T23:00:00.000Z');
      expect(new Date(march29).toISOString()).toBe('2026-03-29T22:00:00.000Z');
      expect(march29 - march28).toBe(23 * 3_600_000);
      // 25 October 2026: 03:00 CEST becomes 02:00 CET.
      const oct24 = Date.parse(periodCutoff('2026-10-24', 'Europe/Madrid'));
      const oct25 = Date.parse(periodCutoff('2026-10-25', 'Europe/Madrid'));
      expect(new Date(oct24).toISOString()).toBe('2026-10-24T22:00:00.000Z');
      expect(new Date(oct25).toISOString()).toBe('2026-10-25T23:00:00.000Z');
      expect(oct25 - oct24).toBe(25 * 3_600_000);
    });

    it('start a day whose midnight does not exist at its first instant (America/Santiago, DST at 00:00)', () => {
      // 6 September 2026: 00:00 −04 becomes 01:00 −03; the day starts at 01:00 local = 04:00Z.
      expect(periodCutoff('2026-09-05', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
      // Samoa skipped 30 December 2011: the period of the 29th ends when the 31st begins.
      expect(periodCutoff('2011-12-29', 'Pacific/Apia')).toBe('2011-12-30T10:00:00.000Z');
    });

    it('default to UTC, so callers without a zone are unchanged', () => {
      expect(periodCutoff('2026-01-31', 'UTC')).toBe(periodCutoff('2026-01-31'));
      expect(latestEndedPeriod(new Date('2026-02-01T03:00:00Z'), 'UTC')).toBe('2026-01-31');
    });

    it('end yesterday at the latest, yesterday being local', () => {
      // 03:00Z on 1 February is still 31 January (22:00) in Bogota.
      const bogotaEvening = new Date('2026-02-01T03:00:00Z');
      expect(latestEndedPeriod(bogotaEvening)).toBe('2026-01-31');
      expect(latestEndedPeriod(bogotaEvening, 'America/Bogota')).toBe('2026-01-30');
      expect(code(() => assertPeriodEnded('2026-01-31', bogotaEvening))).toBeUndefined();
      expect(code(() => assertPeriodEnded('2026-01-31', bogotaEvening, 'America/Bogota'))).toBe(
        'SETTLEMENT.INVALID_PERIOD',
      );
      // 16:00Z on 31 January is already 1 February (01:00) in Tokyo.
      const tokyoNight = new Date('2026-01-31T16:00:00Z');
      expect(latestEndedPeriod(tokyoNight)).toBe('2026-01-30');
      expect(latestEndedPeriod(tokyoNight, 'Asia/Tokyo')).toBe('2026-01-31');
      expect(code(() => assertPeriodEnded('2026-01-31', tokyoNight, 'Asia/Tokyo'))).toBeUndefined();
    });

    it('names the zone when a period has not ended', () => {
      expect(() =>
        assertPeriodEnded('2026-01-31', new Date('2026-02-01T03:00:00Z'), 'America/Bogota'),
      ).toThrow('today is 2026-01-31 America/Bogota');
    });
  });

  describe('parseTimeZone', () => {
    it('accepts IANA names, in their canonical spelling', () => {
      expect(parseTimeZone('UTC')).toBe('UTC');
      expect(parseTimeZone('America/Bogota')).toBe('America/Bogota');
      expect(parseTimeZone('america/bogota')).toBe('America/Bogota');
      expect(parseTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
      expect(parseTimeZone('Etc/GMT+5')).toBe('Etc/GMT+5');
    });

    it.each(['', 'Mars/Olympus_Mons', '+05:00', '-0500', 'UTC+1', ' UTC', 'America/Bogota '])(
      'refuses %j',
      (name) => {
        expect(code(() => parseTimeZone(name))).toBe('SETTLEMENT.INVALID_TIME_ZONE');
      },
    );
  });
});
