import { ErrorCodes } from './domain-error';
import { assertAmount, currencyAmounts, sortedRecord } from './currency-amounts.util';

export interface PayoutMaximumsJSON {
  maximums: Record<string, number>;
  fallbackMinor: number | null;
}

/** Anything that tells the largest single payment in a currency, in its minor units. */
export interface MaximumPerCurrency {
  maximumFor(currency: string): number;
}

/**
 * The largest single payment as callers may give it: one number for every currency (the old
 * PAYMENT_MAX_AMOUNT_MINOR), a function, or an object such as PayoutMaximums.
 */
export type PaymentMaximum = number | ((currency: string) => number) | MaximumPerCurrency;

const RULE = { code: ErrorCodes.SETTLEMENT_INVALID_MAXIMUM, what: 'Payout maximum', min: 1 };

/** Whether the maximum depends on the currency (a function or an object), rather than one number. */
export const isPerCurrency = (maximum: PaymentMaximum): maximum is Exclude<PaymentMaximum, number> =>
  typeof maximum === 'function' ||
  (typeof maximum === 'object' && maximum !== null && typeof maximum.maximumFor === 'function');

/** The maximum for `currency`, checked: a positive safe integer, or SETTLEMENT.INVALID_MAXIMUM. */
export function maximumOf(maximum: PaymentMaximum, currency: string): number {
  const value: unknown = !isPerCurrency(maximum)
    ? maximum
    : typeof maximum === 'function'
      ? maximum(currency)
      : maximum.maximumFor(currency);
  assertAmount(value, currency, RULE);
  return value;
}

/**
 * Largest single payment, per currency and in minor units (PAYOUT_MAXIMUMS): a settlement balance
 * above it is skipped for an operator, a payment above it refused. Currencies without an entry use
 * the fallback (PAYMENT_MAX_AMOUNT_MINOR), or have no maximum beyond the largest safe integer.
 */
export class PayoutMaximums implements MaximumPerCurrency {
  private constructor(
    private readonly maximums: ReadonlyMap<string, number>,
    readonly fallbackMinor: number | null,
  ) {
    Object.freeze(this);
  }

  static create(
    record: Readonly<Record<string, number>>,
    fallbackMinor: number | null = null,
  ): PayoutMaximums {
    const maximums = currencyAmounts(record, RULE);
    if (fallbackMinor !== null) assertAmount(fallbackMinor, 'fallback', RULE);
    return new PayoutMaximums(maximums, fallbackMinor);
  }

  /** In minor units of `currency`; Number.MAX_SAFE_INTEGER when nothing limits it. */
  maximumFor(currency: string): number {
    return this.maximums.get(currency) ?? this.fallbackMinor ?? Number.MAX_SAFE_INTEGER;
  }

  toJSON(): PayoutMaximumsJSON {
    return { maximums: sortedRecord(this.maximums), fallbackMinor: this.fallbackMinor };
  }
}
