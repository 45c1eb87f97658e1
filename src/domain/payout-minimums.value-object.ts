import { ErrorCodes } from './domain-error';
import { assertAmount, currencyAmounts, sortedRecord } from './currency-amounts.util';

export interface PayoutMinimumsJSON {
  minimums: Record<string, number>;
  fallbackMinor: number | null;
}

const RULE = { code: ErrorCodes.SETTLEMENT_INVALID_MINIMUMS, what: 'Payout minimum', min: 0 };

/**
 * Smallest net balance, per currency and in minor units, worth a bank payout; smaller balances
 * carry forward to the next settlement. The currencies listed are the programme's currencies:
 * commissions in any other are refused at accrual, and a run pays none (never at 1 minor unit).
 */
export class PayoutMinimums {
  /**
   * About 50 USD in each currency: below that, bank transfer fees (often a few dollars per payout,
   * more across borders) eat a noticeable share of the commission. In each currency's own minor
   * units: JPY has none, KWD and BHD have three.
   */
  static readonly DEFAULTS: Readonly<Record<string, number>> = Object.freeze({
    USD: 5000, // 50.00
    EUR: 5000, // 50.00
    GBP: 5000, // 50.00
    COP: 20000000, // 200,000.00
    MXN: 100000, // 1,000.00
    JPY: 7500, // ¥7,500
    KWD: 15000, // 15.000
    BHD: 20000, // 20.000
  });

  private constructor(
    private readonly minimums: ReadonlyMap<string, number>,
    /** For currencies without an entry; null (the default): those currencies are not paid at all. */
    readonly fallbackMinor: number | null,
  ) {
    Object.freeze(this);
  }

  static create(
    record: Readonly<Record<string, number>>,
    fallbackMinor: number | null = null,
  ): PayoutMinimums {
    const minimums = currencyAmounts(record, RULE);
    if (fallbackMinor !== null) assertAmount(fallbackMinor, 'fallback', RULE);
    return new PayoutMinimums(minimums, fallbackMinor);
  }

  /** In minor units of `currency`; undefined when the currency is not configured. */
  minimumFor(currency: string): number | undefined {
    return this.minimums.get(currency) ?? this.fallbackMinor ?? undefined;
  }

  /** Whether commissions in `currency` may accrue: a run could pay them. */
  isConfigured(currency: string): boolean {
    return this.minimumFor(currency) !== undefined;
  }

  /** The currencies listed, sorted. */
  get currencies(): string[] {
    return [...this.minimums.keys()].sort();
  }

  toJSON(): PayoutMinimumsJSON {
    return { minimums: sortedRecord(this.minimums), fallbackMinor: this.fallbackMinor };
  }
}
