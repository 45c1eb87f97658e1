import Stripe from 'stripe';
import { DomainError } from '../../../domain/domain-error';
import { PAYOUT_DECLINED } from '../../../ports/payout-provider.port';
import { mapStripeError, StripePayoutProvider, type StripeCall } from './stripe-payout.provider';

/** Errors as the SDK builds them from Stripe's answers (the same factory its request path uses). */
const stripeError = (raw: {
  statusCode: number;
  type: string;
  code?: string;
  param?: string;
  message?: string;
}): Stripe.errors.StripeError =>
  Stripe.errors.StripeError.generate({ message: 'refused', ...raw } as Parameters<
    typeof Stripe.errors.StripeError.generate
  >[0]);

const codeOf = (err: Error): string | undefined => (err instanceof DomainError ? err.code : undefined);
const map = (err: unknown, call: StripeCall = 'payout'): Error =>
  mapStripeError(err, call, 'POST /v1/transfers');

describe('Stripe errors in the payout port’s terms', () => {
  it.each([
    ['a card error (402)', { statusCode: 402, type: 'card_error', code: 'card_declined' }],
    [
      'our balance is short (402)',
      { statusCode: 402, type: 'invalid_request_error', code: 'balance_insufficient' },
    ],
    [
      'an invalid connected account',
      { statusCode: 400, type: 'invalid_request_error', code: 'account_invalid' },
    ],
    ['insufficient funds', { statusCode: 400, type: 'invalid_request_error', code: 'insufficient_funds' }],
    [
      'no such destination',
      { statusCode: 400, type: 'invalid_request_error', code: 'resource_missing', param: 'destination' },
    ],
    [
      'transfers not allowed',
      { statusCode: 400, type: 'invalid_request_error', code: 'transfers_not_allowed' },
    ],
  ])('%s is a definite decline (PAYOUT_DECLINED)', (_what, raw) => {
    const mapped = map(stripeError(raw));
    expect(codeOf(mapped)).toBe(PAYOUT_DECLINED);
    expect((mapped as DomainError).details).toMatchObject({ status: raw.statusCode, providerCode: raw.code });
  });

  it('another refused request is definite too, but not a decline (PAYOUT_PROVIDER_REJECTED)', () => {
    const invalid = stripeError({ statusCode: 400, type: 'invalid_request_error', param: 'amount' });
    expect(codeOf(map(invalid))).toBe('PAYOUT_PROVIDER_REJECTED');
    expect(codeOf(map(stripeError({ statusCode: 403, type: 'invalid_request_error' })))).toBe(
      'PAYOUT_PROVIDER_REJECTED',
    );
  });

  it('a refused reversal is REFUND_NOT_ALLOWED; a declined one PAYOUT_DECLINED', () => {
    const tooMuch = stripeError({ statusCode: 400, type: 'invalid_request_error', param: 'amount' });
    expect(codeOf(map(tooMuch, 'refund'))).toBe('REFUND_NOT_ALLOWED');
    const short = stripeError({
      statusCode: 400,
      type: 'invalid_request_error',
      code: 'balance_insufficient',
    });
    expect(codeOf(map(short, 'refund'))).toBe(PAYOUT_DECLINED);
  });

  it('a reused key proves nothing about the first request: the workflow’s IDEMPOTENCY_KEY_REUSED', () => {
    const reused = map(stripeError({ statusCode: 400, type: 'idempotency_error' }));
    expect(codeOf(reused)).toBe('PAYOUT_PROVIDER_REJECTED');
    expect((reused as DomainError).details).toMatchObject({ providerCode: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it.each([
    ['a 500', stripeError({ statusCode: 500, type: 'api_error' })],
    ['a 503', stripeError({ statusCode: 503, type: 'api_error' })],
    ['a conflict on the key (409)', stripeError({ statusCode: 409, type: 'invalid_request_error' })],
    [
      'a rate limit (429)',
      stripeError({ statusCode: 429, type: 'invalid_request_error', code: 'rate_limit' }),
    ],
    ['a lock timeout', stripeError({ statusCode: 400, type: 'invalid_request_error', code: 'lock_timeout' })],
    ['our key refused (401)', stripeError({ statusCode: 401, type: 'invalid_request_error' })],
    [
      'a refused connection',
      new Stripe.errors.StripeConnectionError({
        message: 'An error occurred with our connection to Stripe.',
      }),
    ],
    [
      'a timeout',
      new Stripe.errors.StripeConnectionError({
        message: 'Request aborted due to timeout being reached (500ms)',
      }),
    ],
    ['something else', new TypeError('socket hang up')],
  ])('%s leaves the outcome unknown: a plain (transient) error', (_what, err) => {
    const mapped = map(err);
    expect(mapped).not.toBeInstanceOf(DomainError);
    expect(mapped.message).toMatch(/transient, retry with the same key/);
  });

  it('a lookup never refuses: even a 400 there is "cannot answer now"', () => {
    const mapped = map(
      stripeError({ statusCode: 400, type: 'invalid_request_error', code: 'account_invalid' }),
      'lookup',
    );
    expect(mapped).not.toBeInstanceOf(DomainError);
  });

  it('refuses a destination that is not a connected account before sending anything', async () => {
    const sent: unknown[] = [];
    const stripe = new Stripe('sk_test_unit', { host: '127.0.0.1', port: 9, protocol: 'http' });
    stripe.on('request', (e: unknown) => sent.push(e));
    const provider = new StripePayoutProvider({ stripe });
    const request = {
      idempotencyKey: 'k-1',
      paymentId: 'p-1',
      partnerId: 'partner-1',
      amountMinor: 100,
      currency: 'EUR',
      payoutAccount: 'FR1420041010050500013M02606',
    };
    await expect(provider.payout(request)).rejects.toMatchObject({ code: 'PARTNER.INVALID_PAYOUT_ACCOUNT' });
    expect(sent).toEqual([]);
  });
});
