import { DomainError, ErrorCodes } from './domain-error';
import { Money } from './money.value-object';
import { codePointLength } from './text-length.util';

export interface CommissionLineProps {
  reference: string;
  amountMinor: number;
  description: string;
}

export const LINE_REFERENCE_MAX_LENGTH = 100;
export const LINE_DESCRIPTION_MAX_LENGTH = 500;

export interface CommissionLineOptions {
  /**
   * Settlement payouts carry the partner's clawbacks as negative lines netted against the
   * commissions; a payment typed in by hand never does.
   */
  allowClawback?: boolean;
}

/**
 * One commission item inside a payment, e.g. a referred order, or (in a settlement payout) a
 * clawback taking back one already paid. Reference and description are stored trimmed.
 */
export class CommissionLine {
  private constructor(
    readonly reference: string,
    /** The line's magnitude; `isClawback` says which way it counts. */
    readonly amount: Money,
    readonly description: string,
    readonly isClawback: boolean,
  ) {
    Object.freeze(this);
  }

  /** What the line adds to the payment: negative for a clawback. */
  get signedAmountMinor(): number {
    return this.isClawback ? -this.amount.amountMinor : this.amount.amountMinor;
  }

  static create(
    props: CommissionLineProps,
    currency: string,
    options: CommissionLineOptions = {},
  ): CommissionLine {
    const reference = typeof props.reference === 'string' ? props.reference.trim() : '';
    const referenceLength = codePointLength(reference);
    if (referenceLength < 1 || referenceLength > LINE_REFERENCE_MAX_LENGTH) {
      throw new DomainError(
        ErrorCodes.LINE_INVALID_REFERENCE,
        `Line reference must be 1..${LINE_REFERENCE_MAX_LENGTH} characters`,
        { reference: props.reference },
      );
    }

    if (typeof props.description !== 'string') {
      throw new DomainError(ErrorCodes.LINE_INVALID_DESCRIPTION, 'Line description must be a string', {
        reference,
      });
    }
    const description = props.description.trim();
    if (codePointLength(description) > LINE_DESCRIPTION_MAX_LENGTH) {
      throw new DomainError(
        ErrorCodes.LINE_INVALID_DESCRIPTION,
        `Line description must be at most ${LINE_DESCRIPTION_MAX_LENGTH} characters`,
        { reference },
      );
    }

    // Zero or negative is a business-rule violation (more useful to the caller than the generic
    // MONEY.INVALID_AMOUNT), so check it before Money.of handles integer/safe-range validation.
    const isClawback =
      options.allowClawback === true && typeof props.amountMinor === 'number' && props.amountMinor < 0;
    if (typeof props.amountMinor === 'number' && props.amountMinor <= 0 && !isClawback) {
      throw new DomainError(ErrorCodes.LINE_NON_POSITIVE_AMOUNT, 'Line amount must be greater than zero', {
        reference,
        amountMinor: props.amountMinor,
      });
    }
    const amount = Money.of(isClawback ? -props.amountMinor : props.amountMinor, currency);

    return new CommissionLine(reference, amount, description, isClawback);
  }

  toProps(): CommissionLineProps {
    return { reference: this.reference, amountMinor: this.signedAmountMinor, description: this.description };
  }
}
