import { ErrorCodes } from './domain-error';
import { Money } from './money.value-object';
import { expectDomainError } from '../../test/support/expect-domain-error';

const MAX = Number.MAX_SAFE_INTEGER;

describe('Money.of', () => {
  it('creates money in minor units', () => {
    const m = Money.of(1050, 'COP');
    expect(m.amountMinor).toBe(1050);
    expect(m.currency).toBe('COP');
    expect(m.toJSON()).toEqual({ amountMinor: 1050, currency: 'COP' });
    expect(JSON.stringify(m)).toBe('{"amountMinor":1050,"currency":"COP"}');
  });

  it('accepts zero and the largest safe integer', () => {
    expect(Money.of(0, 'USD').isZero()).toBe(true);
    expect(Money.of(MAX, 'USD').amountMinor).toBe(MAX);
  });

  it('normalises negative zero', () => {
    expect(Object.is(Money.of(-0, 'USD').amountMinor, 0)).toBe(true);
  });

  it.each([
    -1,
    1.5,
    0.1,
    NaN,
    Infinity,
    -Infinity,
    MAX + 1,
    -MAX,
    '10' as unknown as number,
    null as unknown as number,
  ])('rejects %p as MONEY.INVALID_AMOUNT', (amount) => {
    expectDomainError(() => Money.of(amount, 'USD'), ErrorCodes.MONEY_INVALID_AMOUNT);
  });

  it('rejects unknown currencies', () => {
    expectDomainError(() => Money.of(1, 'ZZZ'), ErrorCodes.MONEY_UNKNOWN_CURRENCY);
    expectDomainError(() => Money.of(1, 'usd'), ErrorCodes.MONEY_UNKNOWN_CURRENCY);
  });

  it('is immutable', () => {
    const m = Money.of(1, 'USD');
    expect(Object.isFrozen(m)).toBe(true);
  });

  it('zero() gives a zero amount in the currency', () => {
    const z = Money.zero('JPY');
    expect(z.amountMinor).toBe(0);
    expect(z.currency).toBe('JPY');
    expect(z.isZero()).toBe(true);
    expect(z.isPositive()).toBe(false);
    expectDomainError(() => Money.zero('XYZ'), ErrorCodes.MONEY_UNKNOWN_CURRENCY);
  });
});

describe('Money arithmetic and comparison', () => {
  it('adds same-currency amounts', () => {
    const sum = Money.of(150, 'USD').add(Money.of(275, 'USD'));
    expect(sum.amountMinor).toBe(425);
    expect(sum.currency).toBe('USD');
  });

  it('does not mutate operands', () => {
    const a = Money.of(1, 'USD');
    a.add(Money.of(2, 'USD'));
    expect(a.amountMinor).toBe(1);
  });

  it('rejects adding different currencies', () => {
    const e = expectDomainError(
      () => Money.of(1, 'USD').add(Money.of(1, 'EUR')),
      ErrorCodes.MONEY_CURRENCY_MISMATCH,
    );
    expect(e.details).toEqual({ expected: 'USD', actual: 'EUR' });
  });

  it('adds up to exactly MAX_SAFE_INTEGER but not beyond', () => {
    expect(Money.of(MAX - 1, 'USD').add(Money.of(1, 'USD')).amountMinor).toBe(MAX);
    expectDomainError(() => Money.of(MAX, 'USD').add(Money.of(1, 'USD')), ErrorCodes.MONEY_OVERFLOW);
    expectDomainError(() => Money.of(MAX, 'USD').add(Money.of(MAX, 'USD')), ErrorCodes.MONEY_OVERFLOW);
  });

  it('sums lists', () => {
    const items = [Money.of(100, 'COP'), Money.of(250, 'COP'), Money.of(1, 'COP')];
    expect(Money.sum(items, 'COP').amountMinor).toBe(351);
    expect(Money.sum([], 'COP').equals(Money.zero('COP'))).toBe(true);
    expectDomainError(() => Money.sum([Money.of(1, 'USD')], 'COP'), ErrorCodes.MONEY_CURRENCY_MISMATCH);
    expectDomainError(
      () => Money.sum([Money.of(MAX, 'USD'), Money.of(1, 'USD')], 'USD'),
      ErrorCodes.MONEY_OVERFLOW,
    );
    expectDomainError(() => Money.sum([], 'QQQ'), ErrorCodes.MONEY_UNKNOWN_CURRENCY);
  });

  it('compares', () => {
    expect(Money.of(2, 'USD').greaterThan(Money.of(1, 'USD'))).toBe(true);
    expect(Money.of(1, 'USD').greaterThan(Money.of(1, 'USD'))).toBe(false);
    expect(Money.of(0, 'USD').greaterThan(Money.of(1, 'USD'))).toBe(false);
    expectDomainError(
      () => Money.of(2, 'USD').greaterThan(Money.of(1, 'EUR')),
      ErrorCodes.MONEY_CURRENCY_MISMATCH,
    );
  });

  it('equals by amount and currency', () => {
    expect(Money.of(5, 'USD').equals(Money.of(5, 'USD'))).toBe(true);
    expect(Money.of(5, 'USD').equals(Money.of(6, 'USD'))).toBe(false);
    expect(Money.of(5, 'USD').equals(Money.of(5, 'EUR'))).toBe(false);
  });

  it('knows zero and positive', () => {
    expect(Money.of(1, 'USD').isPositive()).toBe(true);
    expect(Money.of(1, 'USD').isZero()).toBe(false);
  });
});

describe('Money.fromDecimal', () => {
  it.each<[string | number, string, number]>([
    ['150.50', 'COP', 15050],
    ['150.5', 'COP', 15050],
    ['150', 'COP', 15000],
    ['0', 'USD', 0],
    ['0.00', 'USD', 0],
    ['0.01', 'USD', 1],
    ['007.10', 'USD', 710],
    ['10.500', 'USD', 1050], // trailing zeros beyond the precision carry no value
    ['1.0000000', 'JPY', 1],
    ['1234', 'JPY', 1234],
    ['1.234', 'KWD', 1234],
    ['1.2', 'BHD', 1200],
    ['0.0001', 'CLF', 1],
    ['90071992547409.91', 'USD', MAX],
    ['9007199254740991', 'JPY', MAX],
    [150.5, 'COP', 15050],
    [150, 'COP', 15000],
    [0.1, 'USD', 10],
    [1.005, 'KWD', 1005], // 1.005 * 1000 in floats is 1004.9999999999999
    [1.15, 'USD', 115], // 1.15 * 100 in floats is 114.99999999999999
    [-0, 'USD', 0],
    [19.99, 'EUR', 1999],
  ])('%p %s → %i minor units', (decimal, currency, expected) => {
    const m = Money.fromDecimal(decimal, currency);
    expect(m.amountMinor).toBe(expected);
    expect(m.currency).toBe(currency);
  });

  it.each<[string | number, string]>([
    ['1.001', 'USD'],
    ['0.001', 'COP'],
    ['1.5', 'JPY'],
    ['0.1', 'CLP'],
    ['1.0001', 'KWD'],
    ['1.00001', 'CLF'],
    [0.1 + 0.2, 'USD'], // 0.30000000000000004
    [1.001, 'USD'],
  ])('%p in %s → MONEY.TOO_MANY_DECIMALS', (decimal, currency) => {
    expectDomainError(() => Money.fromDecimal(decimal, currency), ErrorCodes.MONEY_TOO_MANY_DECIMALS);
  });

  it.each<[string | number]>([
    ['-1'],
    ['-0.50'],
    [-1],
    [-0.01],
    [NaN],
    [Infinity],
    [-Infinity],
    ['1e3'],
    ['1E3'],
    [1e21], // String(1e21) === '1e+21'
    [1e-7], // String(1e-7) === '1e-7'
    ['150,50'],
    ['1,000.00'],
    ['1 000'],
    [' 150'],
    ['150 '],
    ['+150'],
    ['.5'],
    ['150.'],
    ['1.2.3'],
    [''],
    ['abc'],
    ['NaN'],
    ['Infinity'],
    ['0x10'],
    ['١٢٣'], // non-ASCII digits
    [null as unknown as string],
    [undefined as unknown as string],
    [{} as unknown as string],
  ])('%p → MONEY.INVALID_AMOUNT', (decimal) => {
    expectDomainError(() => Money.fromDecimal(decimal, 'USD'), ErrorCodes.MONEY_INVALID_AMOUNT);
  });

  it.each<[string | number, string]>([
    ['90071992547409.92', 'USD'],
    ['9007199254740992', 'JPY'],
    ['99999999999999999999999', 'USD'],
    [1e20, 'USD'],
  ])('%p %s beyond the safe range → MONEY.OVERFLOW', (decimal, currency) => {
    expectDomainError(() => Money.fromDecimal(decimal, currency), ErrorCodes.MONEY_OVERFLOW);
  });

  it('rejects unknown currency before parsing', () => {
    expectDomainError(() => Money.fromDecimal('1.00', 'ABC'), ErrorCodes.MONEY_UNKNOWN_CURRENCY);
  });

  it('round-trips through toDecimalString', () => {
    for (const [text, currency] of [
      ['10.50', 'COP'],
      ['5', 'JPY'],
      ['0.001', 'KWD'],
      ['123456.7890', 'CLF'],
    ] as const) {
      expect(Money.fromDecimal(text, currency).toDecimalString()).toBe(text);
    }
  });
});

describe('Money formatting', () => {
  it.each<[number, string, string]>([
    [1050, 'COP', '10.50'],
    [5, 'JPY', '5'],
    [0, 'USD', '0.00'],
    [1, 'USD', '0.01'],
    [10, 'USD', '0.10'],
    [100, 'USD', '1.00'],
    [1, 'KWD', '0.001'],
    [12345, 'BHD', '12.345'],
    [1, 'CLF', '0.0001'],
    [MAX, 'USD', '90071992547409.91'],
    [MAX, 'JPY', '9007199254740991'],
  ])('%i %s → "%s"', (amount, currency, expected) => {
    expect(Money.of(amount, currency).toDecimalString()).toBe(expected);
  });

  it('formats with Intl using the currency digits', () => {
    expect(Money.of(123456, 'USD').format()).toBe('$1,234.56');
    expect(Money.of(123456, 'USD').format('en-US')).toBe('$1,234.56');
    expect(Money.of(5, 'JPY').format()).toBe('¥5');
    expect(Money.of(1234, 'KWD').format()).toMatch(/KWD\s1\.234/);
    // ISO says 3 digits for IQD even though CLDR displays 0; settlement digits win.
    expect(Money.of(1500, 'IQD').format()).toMatch(/1\.500/);
    expect(Money.of(MAX, 'USD').format()).toBe('$90,071,992,547,409.91');
  });

  it('formats in other locales', () => {
    const formatted = Money.of(123456, 'EUR').format('de-DE');
    expect(formatted.replace(/\s/g, ' ')).toBe('1.234,56 €');
    const cop = Money.of(1050, 'COP').format('es-CO');
    expect(cop).toMatch(/10,50/);
  });

  it('has a readable toString', () => {
    expect(String(Money.of(1050, 'COP'))).toBe('10.50 COP');
  });
});
