/**
 * The bank's own money arithmetic (another system: it shares no code with our side). Amounts are
 * integer minor units, bigint; a document carries them as decimals with the currency's ISO 4217
 * minor-unit digits.
 */

/** ISO 4217 minor-unit digits where they are not 2 (the bank's own short table). */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  BHD: 3,
  CLP: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  UGX: 0,
  VND: 0,
  XAF: 0,
  XOF: 0,
};

export const minorDigitsOf = (currency: string): number => MINOR_DIGITS[currency] ?? 2;

/** 1505000n EUR → "15050.00", 500n JPY → "500", 1234n KWD → "1.234"; a negative amount is refused. */
export function decimalOf(minor: bigint, currency: string): string {
  if (minor < 0n) throw new RangeError(`an ISO 20022 amount is never negative (${minor} ${currency})`);
  const digits = minorDigitsOf(currency);
  const s = minor.toString().padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}
