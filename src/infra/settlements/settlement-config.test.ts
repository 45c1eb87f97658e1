import { ConfigError, loadConfig, type Env } from '../config';
import { describeSpec, toSpec } from '../temporal/settlement-schedule';

/** The refusal's message, or '' when the configuration loads. */
function refusal(env: Env): string {
  try {
    loadConfig(env);
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
}

describe('settlement config: payout limits per currency', () => {
  it('defaults PAYOUT_MINIMUMS to the currencies in use, and no other currency is configured', () => {
    const { minimums } = loadConfig({}).settlements;
    expect(minimums.minimumFor('USD')).toBe(5000);
    expect(minimums.minimumFor('JPY')).toBe(7500);
    expect(minimums.minimumFor('KWD')).toBe(15000);
    expect(minimums.isConfigured('CHF')).toBe(false);
  });

  it('takes PAYOUT_MINIMUMS as the whole list (not merged with the defaults)', () => {
    const { minimums } = loadConfig({ PAYOUT_MINIMUMS: '{"USD": 100}' }).settlements;
    expect(minimums.minimumFor('USD')).toBe(100);
    expect(minimums.isConfigured('EUR')).toBe(false);
  });

  it('reads PAYOUT_MAXIMUMS per currency, PAYMENT_MAX_AMOUNT_MINOR for the others', () => {
    const c = loadConfig({
      PAYOUT_MAXIMUMS: '{"JPY": 150000000, "KWD": 3000000}',
      PAYMENT_MAX_AMOUNT_MINOR: '2000000',
    });
    expect(c.settlements.maximums.maximumFor('JPY')).toBe(150_000_000);
    expect(c.settlements.maximums.maximumFor('KWD')).toBe(3_000_000);
    expect(c.settlements.maximums.maximumFor('USD')).toBe(2_000_000);
    // Still there for whoever reads the one number.
    expect(c.payments.maxAmountMinor).toBe(2_000_000);
  });

  it('without either, nothing limits a payment but the safe integer range', () => {
    expect(loadConfig({}).settlements.maximums.maximumFor('USD')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['{"usd": 1}', 'usd'],
    ['{"USD": 0}', 'USD'],
    ['{"USD": 1.5}', 'USD'],
    ['[1]', 'object'],
    ['not json', 'JSON'],
  ])('refuses PAYOUT_MAXIMUMS=%s, naming the variable', (value, named) => {
    const message = refusal({ PAYOUT_MAXIMUMS: value });
    expect(message).toContain('PAYOUT_MAXIMUMS');
    expect(message).toContain(named);
  });

  it('refuses a PAYOUT_MAXIMUMS entry below its minimum: no balance could ever be paid', () => {
    expect(refusal({ PAYOUT_MINIMUMS: '{"USD": 5000}', PAYOUT_MAXIMUMS: '{"USD": 4999}' })).toContain(
      'PAYOUT_MAXIMUMS: USD 4999 is below its minimum 5000',
    );
    expect(refusal({ PAYOUT_MINIMUMS: '{"USD": 5000}', PAYOUT_MAXIMUMS: '{"USD": 5000}' })).toBe('');
    // One number for every currency, as before PAYOUT_MAXIMUMS: still starts (COP's default minimum is higher).
    expect(refusal({ PAYMENT_MAX_AMOUNT_MINOR: '2000000' })).toBe('');
  });
});

describe('settlement config: SETTLEMENT_TIME_ZONE', () => {
  it('defaults to UTC, and reads the Schedule on the zone’s clock', () => {
    expect(loadConfig({}).settlements.timeZone).toBe('UTC');
    const c = loadConfig({ SETTLEMENT_TIME_ZONE: 'America/Bogota' });
    expect(c.settlements.timeZone).toBe('America/Bogota');
    expect(toSpec({ kind: 'cron', expression: '0 6 1 * *' }, c.settlements.timeZone)).toEqual({
      cronExpressions: ['0 6 1 * *'],
      timezone: 'America/Bogota',
    });
    expect(describeSpec({ kind: 'cron', expression: '0 6 1 * *' }, 'Asia/Tokyo')).toBe(
      'cron 0 6 1 * * (Asia/Tokyo)',
    );
  });

  it('takes the canonical spelling', () => {
    expect(loadConfig({ SETTLEMENT_TIME_ZONE: 'europe/madrid' }).settlements.timeZone).toBe('Europe/Madrid');
  });

  it.each(['Mars/Olympus_Mons', '+05:00', 'GMT-5:00'])('refuses %j, naming the variable', (zone) => {
    const message = refusal({ SETTLEMENT_TIME_ZONE: zone });
    expect(message).toContain('SETTLEMENT_TIME_ZONE');
    expect(message).toContain('IANA');
  });
});
