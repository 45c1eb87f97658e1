import { BankFileErrorCodes, bankFileError } from './bank-file.errors';

/**
 * Amounts in ISO 20022 documents: integer minor units in, exact decimal strings out. Never a float
 * on the way — bigint end to end, so a control sum over any number of transfers is exact.
 */

/** ISO 20022 amounts and control sums are xs:decimal with at most 18 digits (totalDigits="18"). */
const MAX_DIGITS = 18;
export const MAX_ISO_AMOUNT_MINOR = 10n ** BigInt(MAX_DIGITS) - 1n;

/**
 * A positive integer number of minor units, from a bigint, a safe integer or a string of digits
 * ("1505000"); anything else (0, negative, fractional, "1e3", " 12") is refused.
 */
export function parseMinorUnits(value: bigint | number | string, field = 'amount'): bigint {
  let minor: bigint | undefined;
  if (typeof value === 'bigint') minor = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) minor = BigInt(value);
  else if (typeof value === 'string' && /^[0-9]{1,40}$/.test(value)) minor = BigInt(value);
  if (minor === undefined || minor <= 0n) {
    throw bankFileError(
      BankFileErrorCodes.INVALID_AMOUNT,
      `${field} must be a positive integer number of minor units`,
      { field, value: String(value) },
    );
  }
  return assertIsoAmount(minor, field);
}

/** Refuses a sum or an amount that an ISO 20022 amount field cannot carry (more than 18 digits). */
export function assertIsoAmount(minor: bigint, field: string): bigint {
  if (minor > MAX_ISO_AMOUNT_MINOR) {
    throw bankFileError(
      BankFileErrorCodes.AMOUNT_TOO_LARGE,
      `${field} has more than the ${MAX_DIGITS} digits an ISO 20022 amount allows`,
      { field, value: minor.toString() },
    );
  }
  return minor;
}

/**
 * Minor units as the decimal an ISO 20022 amount carries, with exactly the currency's ISO-4217
 * minor-unit digits: 1505000 EUR (2) → "15050.00", 500 JPY (0) → "500", 1234 KWD (3) → "1.234".
 */
export function minorToDecimal(minor: bigint, exponent: number): string {
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 5) {
    // ISO 20022 amounts carry at most 5 fraction digits; ISO 4217's largest exponent is 4 (CLF, UYW).
    throw new RangeError(`unsupported currency exponent ${exponent}`);
  }
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}
