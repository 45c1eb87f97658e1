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

/** One commission item inside a payment, e.g. a referred order. Reference and description are stored trimmed. */
export class CommissionLine {
  private constructor(
    readonly reference: string,
    readonly amount: Money,
    readonly description: string,
  ) {
    Object.freeze(this);
  }

  static create(props: CommissionLineProps, currency: string): CommissionLine {
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
    if (typeof props.amountMinor === 'number' && props.amountMinor <= 0) {
      throw new DomainError(ErrorCodes.LINE_NON_POSITIVE_AMOUNT, 'Line amount must be greater than zero', {
        reference,
        amountMinor: props.amountMinor,
      });
    }
    const amount = Money.of(props.amountMinor, currency);

    return new CommissionLine(reference, amount, description);
  }

  toProps(): CommissionLineProps {
    return { reference: this.reference, amountMinor: this.amount.amountMinor, description: this.description };
  }
}
