import Stripe from 'stripe';
import { transferEventOf, verifyStripeWebhook } from './stripe-webhook';

const SECRET = 'whsec_dW5pdC10ZXN0LXNlY3JldA';

const transfer = (over: Partial<Stripe.Transfer> = {}): Partial<Stripe.Transfer> => ({
  id: 'tr_1',
  object: 'transfer',
  amount: 10_000,
  amount_reversed: 2_500,
  currency: 'eur',
  metadata: { paymentId: 'pay-1', partnerId: 'partner-1' },
  ...over,
});

const event = (type: string, object: object, previous?: object): Stripe.Event =>
  ({
    id: 'evt_1',
    object: 'event',
    type,
    data: { object, ...(previous ? { previous_attributes: previous } : {}) },
  }) as unknown as Stripe.Event;

const signed = (payload: string, secret = SECRET): string =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret });

describe('Stripe transfer events', () => {
  it('maps transfer.reversed to TRANSFER_REVERSED with the payment from the metadata', () => {
    expect(transferEventOf(event('transfer.reversed', transfer()))).toEqual({
      kind: 'TRANSFER_REVERSED',
      eventId: 'evt_1',
      paymentId: 'pay-1',
      transferId: 'tr_1',
      amountMinor: 2_500,
      currency: 'EUR',
    });
  });

  it('counts a transfer.updated only when the reversed amount grew', () => {
    expect(transferEventOf(event('transfer.updated', transfer(), { amount_reversed: 0 }))).toMatchObject({
      kind: 'TRANSFER_REVERSED',
      amountMinor: 2_500,
    });
    expect(transferEventOf(event('transfer.updated', transfer(), { description: 'old' }))).toBeUndefined();
    expect(
      transferEventOf(event('transfer.updated', transfer(), { amount_reversed: 2_500 })),
    ).toBeUndefined();
  });

  it('ignores other events and transfers that are not ours', () => {
    expect(transferEventOf(event('transfer.created', transfer()))).toBeUndefined();
    expect(transferEventOf(event('transfer.reversed', transfer({ metadata: {} })))).toBeUndefined();
  });
});

describe('Stripe webhook signatures', () => {
  const body = JSON.stringify(event('transfer.reversed', transfer()));

  it('verifies a delivery signed with the endpoint secret', () => {
    expect(verifyStripeWebhook(Buffer.from(body), signed(body), SECRET)).toMatchObject({
      paymentId: 'pay-1',
    });
  });

  it('refuses a tampered body, another secret, a missing header', () => {
    const tampered = body.replace('"amount_reversed":2500', '"amount_reversed":10000');
    expect(tampered).not.toBe(body);
    const refused = expect.any(Stripe.errors.StripeSignatureVerificationError);
    expect(() => verifyStripeWebhook(tampered, signed(body), SECRET)).toThrow(refused);
    expect(() => verifyStripeWebhook(body, signed(body, 'whsec_b3RoZXItc2VjcmV0'), SECRET)).toThrow(refused);
    expect(() => verifyStripeWebhook(body, undefined, SECRET)).toThrow(refused);
  });

  it('refuses a replay older than the tolerance (5 minutes)', () => {
    const old = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(() => verifyStripeWebhook(body, old, SECRET)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });
});
