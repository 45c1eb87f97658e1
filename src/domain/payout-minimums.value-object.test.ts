import { ErrorCodes } from './domain-error';
import { PayoutMinimums } from './payout-minimums.value-object';
import { expectDomainError } from '../../test/support/expect-domain-error';

describe('PayoutMinimums', () => {
  it('returns the configured minimum, or the fallback for other currencies', () => {
    const minimums = PayoutMinimums.create({ USD: 5000, JPY: 0 }, 10);
    expect(minimums.minimumFor('USD')).toBe(5000);
    expect(minimums.minimumFor('JPY')).toBe(0);
    expect(minimums.minimumFor('EUR')).toBe(10);
    expect(minimums.fallbackMinor).toBe(10);
  });

  it('has no fallback by default: a currency not listed is not configured (never paid at 1 minor unit)', () => {
    const minimums = PayoutMinimums.create({ USD: 5000 });
    expect(minimums.minimumFor('CHF')).toBeUndefined();
    expect(minimums.isConfigured('CHF')).toBe(false);
    expect(minimums.isConfigured('USD')).toBe(true);
    expect(minimums.fallbackMinor).toBeNull();
    expect(PayoutMinimums.create({}).isConfigured('USD')).toBe(false);
    // A zero minimum is configured (any positive balance is paid), unlike a missing one.
    expect(PayoutMinimums.create({ USD: 0 }).isConfigured('USD')).toBe(true);
  });

  it('has defaults of roughly 50 USD for the currencies in use, in each one’s own minor units', () => {
    expect(PayoutMinimums.DEFAULTS).toEqual({
      USD: 5000,
      EUR: 5000,
      GBP: 5000,
      COP: 20000000,
      MXN: 100000,
      JPY: 7500,
      KWD: 15000,
      BHD: 20000,
    });
    expect(Object.isFrozen(PayoutMinimums.DEFAULTS)).toBe(true);
    const defaults = PayoutMinimums.create(PayoutMinimums.DEFAULTS);
    expect(defaults.minimumFor('COP')).toBe(20000000);
    expect(defaults.minimumFor('MXN')).toBe(100000);
    expect(defaults.minimumFor('JPY')).toBe(7500);
    expect(defaults.minimumFor('KWD')).toBe(15000);
    expect(defaults.currencies).toEqual(['BHD', 'COP', 'EUR', 'GBP', 'JPY', 'KWD', 'MXN', 'USD']);
    expect(defaults.isConfigured('CHF')).toBe(false);
  });

  it('serialises sorted by currency and round-trips through create', () => {
    const minimums = PayoutMinimums.create({ USD: 1, COP: 2, EUR: 3 }, 4);
    const json = minimums.toJSON();
    expect(Object.keys(json.minimums)).toEqual(['COP', 'EUR', 'USD']);
    expect(JSON.parse(JSON.stringify(minimums))).toEqual({
      minimums: { COP: 2, EUR: 3, USD: 1 },
      fallbackMinor: 4,
    });
    expect(PayoutMinimums.create(json.minimums, json.fallbackMinor).toJSON()).toEqual(json);
    expect(PayoutMinimums.create({ USD: 1 }).toJSON()).toEqual({ minimums: { USD: 1 }, fallbackMinor: null });
  });

  it('is not affected by later changes to the record it was created from', () => {
    const record: Record<string, number> = { USD: 100 };
    const minimums = PayoutMinimums.create(record);
    record.USD = 1;
    record.EUR = 5;
    expect(minimums.minimumFor('USD')).toBe(100);
    expect(minimums.minimumFor('EUR')).toBeUndefined();
  });

  it.each([
    ['an unknown code', { XYZ: 1 }, 'XYZ'],
    ['a lower-case code', { usd: 1 }, 'usd'],
    ['a prototype key', JSON.parse('{"__proto__": 1}') as Record<string, number>, '__proto__'],
  ])('rejects %s as key, naming it', (_label, record, key) => {
    const e = expectDomainError(() => PayoutMinimums.create(record), ErrorCodes.SETTLEMENT_INVALID_MINIMUMS);
    expect(e.details).toEqual({ key });
    expect(e.message).toContain(key);
  });

  it.each([
    ['negative', -1],
    ['fractional', 1.5],
    ['NaN', NaN],
    ['above the safe range', Number.MAX_SAFE_INTEGER + 1],
    ['a string', '5000' as unknown as number],
    ['null', null as unknown as number],
  ])('rejects a %s value, naming its key', (_label, value) => {
    const e = expectDomainError(
      () => PayoutMinimums.create({ USD: 1, EUR: value }),
      ErrorCodes.SETTLEMENT_INVALID_MINIMUMS,
    );
    expect(e.details).toMatchObject({ key: 'EUR' });
    expect(e.message).toContain('EUR');
  });

  it.each([-1, 0.5, NaN])('rejects the fallback %p', (fallback) => {
    const e = expectDomainError(
      () => PayoutMinimums.create({}, fallback),
      ErrorCodes.SETTLEMENT_INVALID_MINIMUMS,
    );
    expect(e.details).toMatchObject({ key: 'fallback' });
  });

  it('accepts a zero fallback', () => {
    expect(PayoutMinimums.create({}, 0).minimumFor('USD')).toBe(0);
  });

  it.each([
    ['null', null],
    ['an array', [5000]],
    ['a number', 5000],
  ])('rejects %s instead of a record', (_label, record) => {
    expectDomainError(
      () => PayoutMinimums.create(record as unknown as Record<string, number>),
      ErrorCodes.SETTLEMENT_INVALID_MINIMUMS,
    );
  });
});
