import { Currency, isKnownCurrency, knownCurrencyCodes } from './currency.value-object';
import { ErrorCodes } from './domain-error';
import { expectDomainError } from '../../test/support/expect-domain-error';

describe('Currency', () => {
  it.each([
    ['COP', 2],
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['MXN', 2],
    ['BRL', 2],
    ['JPY', 0],
    ['CLP', 0],
    ['KRW', 0],
    ['VND', 0],
    ['PYG', 0],
    ['ISK', 0],
    ['UGX', 0],
    ['XOF', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['LYD', 3],
    ['IQD', 3],
    ['CLF', 4],
    ['UYW', 4],
  ])('%s has %i minor digits', (code, digits) => {
    const currency = Currency.of(code);
    expect(currency.code).toBe(code);
    expect(currency.minorDigits).toBe(digits);
  });

  it('interns instances', () => {
    expect(Currency.of('USD')).toBe(Currency.of('USD'));
    expect(Currency.of('USD').equals(Currency.of('EUR'))).toBe(false);
    expect(String(Currency.of('EUR'))).toBe('EUR');
  });

  it.each([
    'usd',
    'Usd',
    'US',
    'USDX',
    '',
    ' USD',
    'XXX',
    'XAU',
    'ABC',
    'constructor',
    'toString',
    '__proto__',
  ])('rejects %p as MONEY.UNKNOWN_CURRENCY', (code) => {
    const e = expectDomainError(() => Currency.of(code), ErrorCodes.MONEY_UNKNOWN_CURRENCY);
    expect(e.details).toEqual({ currency: code });
    expect(isKnownCurrency(code)).toBe(false);
  });

  it('has a reasonably complete table of well-formed codes with sane digits', () => {
    const codes = knownCurrencyCodes();
    expect(codes.length).toBeGreaterThanOrEqual(150);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(Currency.of(code).minorDigits);
    }
    expect(isKnownCurrency('COP')).toBe(true);
  });
});
