import { Currency, isKnownCurrency, knownCurrencyCodes } from '../../domain/currency.value-object';
import { isDomainError } from '../../domain/domain-error';
import { Money } from '../../domain/money.value-object';

/**
 * Money for the dashboard, on top of the domain's own `Money` so the browser and the server share one
 * ISO-4217 minor-digit table and one exact decimal parser: amounts stay integer minor units in state
 * and only become text at the edge.
 */

/** `1505000, 'COP'` → `COP 15,050.00` (per the locale); never divides floats. */
export function formatMinor(amountMinor: number, currency: string, locale?: string): string {
  if (!isKnownCurrency(currency) || !Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    return `${amountMinor} ${currency} (minor units)`;
  }
  return Money.of(amountMinor, currency).format(locale);
}

export type ParsedAmount = { ok: true; amountMinor: number } | { ok: false; message: string };

/** `'150.05'` in USD → 15005: exact string arithmetic, so '1.005' in USD is refused, not rounded. */
export function parseAmount(text: string, currency: string): ParsedAmount {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'enter an amount' };
  if (!isKnownCurrency(currency)) return { ok: false, message: `unknown currency ${currency}` };
  try {
    const amountMinor = Money.fromDecimal(trimmed, currency).amountMinor;
    if (amountMinor === 0) return { ok: false, message: 'must be more than zero' };
    return { ok: true, amountMinor };
  } catch (e) {
    if (!isDomainError(e)) throw e;
    if (e.code === 'MONEY.INVALID_AMOUNT') return { ok: false, message: 'digits with an optional “.” only' };
    return { ok: false, message: e.message };
  }
}

/** Sum of minor units; refuses to leave the safe-integer range rather than lose precision. */
export function sumMinor(amounts: number[]): number | undefined {
  let total = 0;
  for (const a of amounts) {
    total += a;
    if (!Number.isSafeInteger(total)) return undefined;
  }
  return total;
}

const COMMON_CURRENCIES = ['COP', 'USD', 'EUR', 'MXN', 'BRL', 'CLP', 'PEN', 'GBP', 'JPY'];

/** The partner programmes' usual currencies first, then every other ISO-4217 code. */
export function currencyChoices(): string[] {
  return [...COMMON_CURRENCIES, ...knownCurrencyCodes().filter((c) => !COMMON_CURRENCIES.includes(c))];
}

const INTEGER_TEXT = /^(-?)0*(\d+)$/;

/**
 * A decimal string of minor units — what the API sends for totals and balances, which may pass
 * 2^53 — as money text, e.g. `'-123456789012345678901', 'USD'` → `-$1,234,567,890,123,456,789.01`.
 * The decimal point is placed by string arithmetic and `Intl.NumberFormat` is given the decimal
 * string (ES2023: formatted exactly), so no digit ever goes through a float.
 */
export function formatMinorString(amountMinor: string, currency: string, locale?: string): string {
  const m = INTEGER_TEXT.exec(amountMinor.trim());
  if (!m || !isKnownCurrency(currency)) return `${amountMinor} ${currency} (minor units)`;
  const digits = Currency.of(currency).minorDigits;
  const magnitude = m[2]!;
  const padded = magnitude.padStart(digits + 1, '0');
  const decimal = digits === 0 ? padded : `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
  const negative = m[1] === '-' && /[1-9]/.test(magnitude);
  const formatter = new Intl.NumberFormat(locale ?? 'en-US', {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // Our TS lib (ES2022) lacks the string overload that browsers and Node 20 implement.
  return (formatter as unknown as { format(value: string): string }).format(
    `${negative ? '-' : ''}${decimal}`,
  );
}

/** Sign of a − b for decimal strings of minor units, compared as BigInt; malformed text sorts as 0. */
export function compareMinor(a: string, b: string): number {
  const x = toBigInt(a);
  const y = toBigInt(b);
  return x === y ? 0 : x < y ? -1 : 1;
}

function toBigInt(text: string): bigint {
  return INTEGER_TEXT.test(text.trim()) ? BigInt(text.trim()) : BigInt(0);
}
