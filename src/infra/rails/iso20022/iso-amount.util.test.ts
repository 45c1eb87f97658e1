import { expectDomainError } from '../../../../test/support/expect-domain-error';
import { BankFileErrorCodes } from './bank-file.errors';
import { MAX_ISO_AMOUNT_MINOR, minorToDecimal, parseMinorUnits } from './iso-amount.util';

describe('minorToDecimal', () => {
  it.each([
    // EUR: 2 digits
    [1505000n, 2, '15050.00'],
    [5n, 2, '0.05'],
    [100n, 2, '1.00'],
    // JPY: none
    [500n, 0, '500'],
    [1n, 0, '1'],
    // KWD: 3
    [1234n, 3, '1.234'],
    [1n, 3, '0.001'],
    [1000n, 3, '1.000'],
    // CLF: 4
    [12345n, 4, '1.2345'],
    // beyond Number's exact range: still exact
    [999_999_999_999_999_999n, 2, '9999999999999999.99'],
    [-1250n, 2, '-12.50'],
  ])('%p minor units with %p digits → %p', (minor, exponent, expected) => {
    expect(minorToDecimal(minor, exponent)).toBe(expected);
  });

  it('refuses an exponent no ISO 20022 amount can carry', () => {
    expect(() => minorToDecimal(1n, 6)).toThrow(RangeError);
    expect(() => minorToDecimal(1n, -1)).toThrow(RangeError);
  });
});

describe('parseMinorUnits', () => {
  it('takes a bigint, a safe integer or a string of digits', () => {
    expect(parseMinorUnits(12n)).toBe(12n);
    expect(parseMinorUnits(12)).toBe(12n);
    expect(parseMinorUnits('000012')).toBe(12n);
    expect(parseMinorUnits('123456789012345678')).toBe(123456789012345678n);
  });

  it.each([0n, -1n, 0, 1.5, Number.NaN, 2 ** 53, '', '0', '-5', '1.5', '1e3', ' 12', '12 ', '0x10'])(
    'refuses %p as BANK_FILE.INVALID_AMOUNT',
    (value) => {
      expectDomainError(() => parseMinorUnits(value as bigint), BankFileErrorCodes.INVALID_AMOUNT);
    },
  );

  it('refuses more than the 18 digits of an ISO 20022 amount', () => {
    expect(parseMinorUnits(MAX_ISO_AMOUNT_MINOR)).toBe(MAX_ISO_AMOUNT_MINOR);
    const e = expectDomainError(
      () => parseMinorUnits(MAX_ISO_AMOUNT_MINOR + 1n, 'transfers[0].amountMinor'),
      BankFileErrorCodes.AMOUNT_TOO_LARGE,
    );
    expect(e.details).toEqual({ field: 'transfers[0].amountMinor', value: '1000000000000000000' });
  });
});
