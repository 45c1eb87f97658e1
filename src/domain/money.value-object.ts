import { Currency } from './currency.value-object';
import { DomainError, ErrorCodes } from './domain-error';

export interface MoneyProps {
  amountMinor: number;
  currency: string;
}

// Plain digits with an optional '.'-separated fraction; no sign, exponent, grouping or ',' decimal.
const DECIMAL_PATTERN = /^(\d+)(?:\.(\d+))?$/;

/**
 * Non-negative amount in integer minor units of one currency.
 * Integers only: floats cannot represent most decimal fractions, and payouts must reconcile to the cent.
 * Negative amounts are not representable on purpose: refunds are their own operation, not negative money.
 */
export class Money {
  private constructor(
    readonly amountMinor: number,
    readonly currency: string,
  ) {
    Object.freeze(this);
  }

  static of(amountMinor: number, currency: string): Money {
    const cur = Currency.of(currency);
    if (typeof amountMinor !== 'number' || !Number.isSafeInteger(amountMinor) || amountMinor < 0) {
      throw new DomainError(
        ErrorCodes.MONEY_INVALID_AMOUNT,
        `Amount must be a non-negative safe integer of minor units, got ${String(amountMinor)}`,
        { amountMinor, currency },
      );
    }
    // `+ 0` turns -0 into 0 so equality and serialisation never see a negative zero.
    return new Money(amountMinor + 0, cur.code);
  }

  static zero(currency: string): Money {
    return Money.of(0, currency);
  }

  /**
   * Exact decimal → minor units by string manipulation; float multiplication (e.g. 1.005 * 100)
   * would silently lose cents.
   */
  static fromDecimal(decimal: string | number, currency: string): Money {
    const cur = Currency.of(currency);
    const text = Money.decimalText(decimal, currency);
    const match = DECIMAL_PATTERN.exec(text);
    if (!match) {
      throw new DomainError(ErrorCodes.MONEY_INVALID_AMOUNT, `Not a valid non-negative decimal: ${text}`, {
        decimal,
        currency,
      });
    }
    const integerPart = match[1] as string;
    // Trailing zeros carry no value, so "10.500" is fine for a 2-digit currency.
    const fraction = (match[2] ?? '').replace(/0+$/, '');
    if (fraction.length > cur.minorDigits) {
      throw new DomainError(
        ErrorCodes.MONEY_TOO_MANY_DECIMALS,
        `${cur.code} allows at most ${cur.minorDigits} decimal places, got ${text}`,
        { decimal, currency, maxDecimals: cur.minorDigits },
      );
    }
    const digits = (integerPart + fraction.padEnd(cur.minorDigits, '0')).replace(/^0+(?=\d)/, '');
    const amountMinor = Number(digits);
    // Any digit string above MAX_SAFE_INTEGER parses to >= 2^53, which isSafeInteger rejects.
    if (!Number.isSafeInteger(amountMinor)) {
      throw new DomainError(ErrorCodes.MONEY_OVERFLOW, `Amount ${text} ${cur.code} exceeds the safe range`, {
        decimal,
        currency,
      });
    }
    return new Money(amountMinor, cur.code);
  }

  static sum(items: Money[], currency: string): Money {
    return items.reduce((acc, item) => acc.add(item), Money.zero(currency));
  }

  private static decimalText(decimal: string | number, currency: string): string {
    if (typeof decimal === 'number') {
      if (!Number.isFinite(decimal) || decimal < 0) {
        throw new DomainError(
          ErrorCodes.MONEY_INVALID_AMOUNT,
          `Not a valid non-negative amount: ${decimal}`,
          {
            decimal,
            currency,
          },
        );
      }
      // Shortest round-trip representation: 150.5 → "150.5"; huge/tiny values give exponent
      // forms which the pattern then rejects.
      return String(decimal);
    }
    if (typeof decimal === 'string') return decimal;
    throw new DomainError(ErrorCodes.MONEY_INVALID_AMOUNT, 'Amount must be a string or number', {
      decimal: String(decimal),
      currency,
    });
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    const result = this.amountMinor + other.amountMinor;
    if (!Number.isSafeInteger(result)) {
      throw new DomainError(ErrorCodes.MONEY_OVERFLOW, 'Money addition overflows the safe integer range', {
        left: this.amountMinor,
        right: other.amountMinor,
        currency: this.currency,
      });
    }
    return new Money(result, this.currency);
  }

  isZero(): boolean {
    return this.amountMinor === 0;
  }

  isPositive(): boolean {
    return this.amountMinor > 0;
  }

  greaterThan(other: Money): boolean {
    this.assertSameCurrency(other);
    return this.amountMinor > other.amountMinor;
  }

  /** Different currencies are simply "not equal" rather than an error. */
  equals(other: Money): boolean {
    return this.currency === other.currency && this.amountMinor === other.amountMinor;
  }

  toDecimalString(): string {
    const digits = Currency.of(this.currency).minorDigits;
    if (digits === 0) return String(this.amountMinor);
    const padded = String(this.amountMinor).padStart(digits + 1, '0');
    return `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
  }

  format(locale = 'en-US'): string {
    const digits = Currency.of(this.currency).minorDigits;
    const formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: this.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    // Intl.NumberFormat accepts a decimal string (ES2023) and formats it exactly, avoiding the
    // float division amountMinor / 10^digits; our TS lib target (ES2022) lacks that overload.
    return (formatter as unknown as { format(value: string): string }).format(this.toDecimalString());
  }

  toJSON(): MoneyProps {
    return { amountMinor: this.amountMinor, currency: this.currency };
  }

  toString(): string {
    return `${this.toDecimalString()} ${this.currency}`;
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) {
      throw new DomainError(
        ErrorCodes.MONEY_CURRENCY_MISMATCH,
        `Currency mismatch: ${this.currency} vs ${other.currency}`,
        { expected: this.currency, actual: other.currency },
      );
    }
  }
}
