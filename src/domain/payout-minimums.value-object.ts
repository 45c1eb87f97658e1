import { isKnownCurrency } from './currency.value-object';
import { DomainError, ErrorCodes } from './domain-error';

export interface PayoutMinimumsJSON {
  minimums: Record<string, number>;
  fallbackMinor: number;
}

const isNonNegativeSafeInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * Smallest net balance, per currency and in minor units, worth a bank payout; smaller balances
 * carry forward to the next settlement. Currencies without an entry use the fallback.
 */
export class PayoutMinimums {
  /**
   * About 50 USD in each currency: below that, bank transfer fees (often a few dollars per payout,
   * more across borders) eat a noticeable share of the commission.
   */
  static readonly DEFAULTS: Readonly<Record<string, number>> = Object.freeze({
    USD: 5000,
    EUR: 5000,
    GBP: 5000,
    COP: 20000000,
    MXN: 100000,
  });

  private constructor(
    // A Map, not the caller's object: keys like "__proto__" or "constructor" cannot leak in.
    private readonly minimums: ReadonlyMap<string, number>,
    readonly fallbackMinor: number,
  ) {
    Object.freeze(this);
  }

  /** `fallbackMinor` defaults to 1: without a configured minimum, any positive balance is paid. */
  static create(record: Readonly<Record<string, number>>, fallbackMinor = 1): PayoutMinimums {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new DomainError(ErrorCodes.SETTLEMENT_INVALID_MINIMUMS, 'Payout minimums must be an object');
    }
    const minimums = new Map<string, number>();
    for (const [currency, minimum] of Object.entries(record)) {
      // Checked here rather than through Currency.of so the error names the offending key.
      if (!isKnownCurrency(currency)) {
        throw new DomainError(
          ErrorCodes.SETTLEMENT_INVALID_MINIMUMS,
          `Payout minimum key "${currency}" is not an ISO-4217 currency code`,
          { key: currency },
        );
      }
      if (!isNonNegativeSafeInteger(minimum)) {
        throw new DomainError(
          ErrorCodes.SETTLEMENT_INVALID_MINIMUMS,
          `Payout minimum for ${currency} must be a non-negative integer of minor units, got ${String(minimum)}`,
          { key: currency, value: minimum },
        );
      }
      minimums.set(currency, minimum);
    }
    if (!isNonNegativeSafeInteger(fallbackMinor)) {
      throw new DomainError(
        ErrorCodes.SETTLEMENT_INVALID_MINIMUMS,
        `Fallback payout minimum must be a non-negative integer of minor units, got ${String(fallbackMinor)}`,
        { key: 'fallback', value: fallbackMinor },
      );
    }
    return new PayoutMinimums(minimums, fallbackMinor);
  }

  /** In minor units of `currency`. */
  minimumFor(currency: string): number {
    return this.minimums.get(currency) ?? this.fallbackMinor;
  }

  /** Sorted by currency so equal configurations serialise identically. */
  toJSON(): PayoutMinimumsJSON {
    const minimums: Record<string, number> = {};
    for (const currency of [...this.minimums.keys()].sort()) {
      minimums[currency] = this.minimums.get(currency) as number;
    }
    return { minimums, fallbackMinor: this.fallbackMinor };
  }
}
