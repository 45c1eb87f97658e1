import { DomainError, ErrorCodes, isDomainError } from './domain-error';

describe('DomainError', () => {
  it('carries code, message and details and is an Error', () => {
    const e = new DomainError('X.Y', 'boom', { a: 1 });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('X.Y');
    expect(e.message).toBe('boom');
    expect(e.details).toEqual({ a: 1 });
    expect(e.name).toBe('DomainError');
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: 'DomainError',
      code: 'X.Y',
      message: 'boom',
      details: { a: 1 },
    });
  });

  it('omits details from JSON when absent', () => {
    expect(new DomainError('X.Y', 'boom').toJSON()).toEqual({
      name: 'DomainError',
      code: 'X.Y',
      message: 'boom',
    });
  });

  it('isDomainError recognises instances and structurally equal errors from another realm', () => {
    expect(isDomainError(new DomainError('A.B', 'm'))).toBe(true);
    const foreign = Object.assign(new Error('m'), { name: 'DomainError', code: 'A.B' });
    expect(isDomainError(foreign)).toBe(true);
    expect(isDomainError(new Error('m'))).toBe(false);
    expect(isDomainError({ name: 'DomainError' })).toBe(false);
    expect(isDomainError(null)).toBe(false);
    expect(isDomainError('DomainError')).toBe(false);
  });

  it('exposes the stable codes', () => {
    expect(ErrorCodes.PAYMENT_INVALID_TRANSITION).toBe('PAYMENT.INVALID_TRANSITION');
    expect(ErrorCodes.MONEY_OVERFLOW).toBe('MONEY.OVERFLOW');
    expect(ErrorCodes.PARTNER_SUSPENDED).toBe('PARTNER.SUSPENDED');
    const required = [
      'MONEY.INVALID_AMOUNT',
      'MONEY.UNKNOWN_CURRENCY',
      'MONEY.CURRENCY_MISMATCH',
      'MONEY.OVERFLOW',
      'MONEY.TOO_MANY_DECIMALS',
      'LINE.INVALID_REFERENCE',
      'LINE.INVALID_DESCRIPTION',
      'LINE.NON_POSITIVE_AMOUNT',
      'PAYMENT.NO_LINES',
      'PAYMENT.LINE_CURRENCY_MISMATCH',
      'PAYMENT.DUPLICATE_LINE_REFERENCE',
      'PAYMENT.TOTAL_MISMATCH',
      'PAYMENT.ABOVE_MAXIMUM',
      'PAYMENT.INVALID_TRANSITION',
      'PAYMENT.NOT_CANCELLABLE',
      'PAYMENT.NOT_REFUNDABLE',
      'PAYMENT.NOT_AWAITING_APPROVAL',
      'PAYMENT.FOUR_EYES_VIOLATION',
      'PAYMENT.ALREADY_SETTLED',
      'PARTNER.INVALID_NAME',
      'PARTNER.INVALID_EMAIL',
      'PARTNER.INVALID_PAYOUT_ACCOUNT',
      'PARTNER.INVALID_WEBHOOK_URL',
      'PARTNER.SUSPENDED',
    ];
    for (const code of required) {
      const key = code.replace('.', '_') as keyof typeof ErrorCodes;
      expect(ErrorCodes[key]).toBe(code);
    }
  });
});
