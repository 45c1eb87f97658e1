import { isKnownCurrency } from './currency.value-object';
import { DomainError } from './domain-error';

const isSafeIntegerAtLeast = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/**
 * A configured map of ISO-4217 currency → minor units (payout minimums, maximums), checked entry by
 * entry so the error names the offending key. A Map, not the caller's object: keys like
 * "__proto__" or "constructor" cannot leak in, and later changes to the record do not either.
 */
export function currencyAmounts(
  record: unknown,
  opts: { code: string; what: string; min: number },
): Map<string, number> {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new DomainError(opts.code, `${opts.what}s must be an object`);
  }
  const amounts = new Map<string, number>();
  for (const [currency, amount] of Object.entries(record)) {
    if (!isKnownCurrency(currency)) {
      throw new DomainError(opts.code, `${opts.what} key "${currency}" is not an ISO-4217 currency code`, {
        key: currency,
      });
    }
    assertAmount(amount, currency, opts);
    amounts.set(currency, amount);
  }
  return amounts;
}

/** An amount of minor units ≥ `min`, or the error naming `key`. */
export function assertAmount(
  amount: unknown,
  key: string,
  opts: { code: string; what: string; min: number },
): asserts amount is number {
  if (!isSafeIntegerAtLeast(amount, opts.min)) {
    const kind = opts.min === 0 ? 'a non-negative' : 'a positive';
    throw new DomainError(
      opts.code,
      `${opts.what} for ${key} must be ${kind} integer of minor units, got ${String(amount)}`,
      { key, value: amount },
    );
  }
}

/** Sorted by currency so equal configurations serialise identically. */
export const sortedRecord = (amounts: ReadonlyMap<string, number>): Record<string, number> =>
  Object.fromEntries([...amounts.keys()].sort().map((c) => [c, amounts.get(c) as number]));
