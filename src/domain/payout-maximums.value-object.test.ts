import { ErrorCodes } from './domain-error';
import { maximumOf, PayoutMaximums } from './payout-maximums.value-object';
import { expectDomainError } from '../../test/support/expect-domain-error';

describe('PayoutMaximums', () => {
  it('returns the listed maximum, else the fallback, else no limit (the largest safe integer)', () => {
    const maximums = PayoutMaximums.create({ JPY: 10_000_000, KWD: 5_000_000 }, 1_000_000);
    expect(maximums.maximumFor('JPY')).toBe(10_000_000);
    expect(maximums.maximumFor('KWD')).toBe(5_000_000);
    expect(maximums.maximumFor('USD')).toBe(1_000_000);
    expect(PayoutMaximums.create({ JPY: 10 }).maximumFor('USD')).toBe(Number.MAX_SAFE_INTEGER);
    expect(PayoutMaximums.create({}).fallbackMinor).toBeNull();
  });

  it('serialises sorted by currency and round-trips through create', () => {
    const json = PayoutMaximums.create({ USD: 3, COP: 1 }, 7).toJSON();
    expect(json).toEqual({ maximums: { COP: 1, USD: 3 }, fallbackMinor: 7 });
    expect(Object.keys(json.maximums)).toEqual(['COP', 'USD']);
    expect(PayoutMaximums.create(json.maximums, json.fallbackMinor).toJSON()).toEqual(json);
  });

  it.each([
    ['an unknown code', { XYZ: 1 }, 'XYZ'],
    ['a lower-case code', { usd: 1 }, 'usd'],
    ['a prototype key', JSON.parse('{"__proto__": 1}') as Record<string, number>, '__proto__'],
  ])('rejects %s as key, naming it', (_label, record, key) => {
    const e = expectDomainError(() => PayoutMaximums.create(record), ErrorCodes.SETTLEMENT_INVALID_MAXIMUM);
    expect(e.details).toEqual({ key });
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['fractional', 1.5],
    ['above the safe range', Number.MAX_SAFE_INTEGER + 1],
    ['a string', '5000' as unknown as number],
  ])('rejects a %s maximum, naming its key', (_label, value) => {
    const e = expectDomainError(
      () => PayoutMaximums.create({ USD: 1, EUR: value }),
      ErrorCodes.SETTLEMENT_INVALID_MAXIMUM,
    );
    expect(e.details).toMatchObject({ key: 'EUR' });
    expectDomainError(() => PayoutMaximums.create({}, value), ErrorCodes.SETTLEMENT_INVALID_MAXIMUM);
  });

  it.each([null, [1], 5])('rejects %p instead of a record', (record) => {
    expectDomainError(
      () => PayoutMaximums.create(record as unknown as Record<string, number>),
      ErrorCodes.SETTLEMENT_INVALID_MAXIMUM,
    );
  });
});

describe('maximumOf', () => {
  it('reads a number, a function or an object, per currency', () => {
    expect(maximumOf(500, 'USD')).toBe(500);
    expect(maximumOf((c) => (c === 'JPY' ? 7 : 9), 'JPY')).toBe(7);
    expect(maximumOf(PayoutMaximums.create({ KWD: 3 }), 'KWD')).toBe(3);
  });

  it('refuses what is not a positive safe integer', () => {
    expectDomainError(() => maximumOf(0, 'USD'), ErrorCodes.SETTLEMENT_INVALID_MAXIMUM);
    expectDomainError(() => maximumOf(() => 0.5, 'USD'), ErrorCodes.SETTLEMENT_INVALID_MAXIMUM);
  });
});
