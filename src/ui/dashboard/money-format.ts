import { isKnownCurrency, knownCurrencyCodes } from '../../domain/currency.value-object';
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
