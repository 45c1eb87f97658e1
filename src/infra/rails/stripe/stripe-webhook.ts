import express, { type RequestHandler } from 'express';
import Stripe from 'stripe';
import { problemType } from '../../../shared/http/problem';

/**
 * Stripe's webhooks about our transfers, verified with the SDK (`Stripe-Signature`: an HMAC of the
 * raw body under the endpoint's `whsec_…` secret, with a timestamp against replays) and reduced to
 * what the payment needs. Only the bytes Stripe signed can be verified, hence the raw-body parser.
 */

/** A transfer (a payout) was reversed, in part or in full. */
export interface TransferReversed {
  kind: 'TRANSFER_REVERSED';
  /** Stripe's event id: the same event may be delivered more than once. */
  eventId: string;
  paymentId: string;
  transferId: string;
  /** Everything reversed on the transfer so far (cumulative, so applying an event twice is harmless). */
  amountMinor: number;
  /** ISO 4217, upper case as in our domain. */
  currency: string;
}

export type StripeTransferEvent = TransferReversed;

/**
 * The payment event a Stripe event means, or undefined when it means none (another event type, a
 * transfer.updated that reversed nothing, a transfer without our paymentId in its metadata).
 */
export function transferEventOf(event: Stripe.Event): StripeTransferEvent | undefined {
  if (event.type !== 'transfer.reversed' && event.type !== 'transfer.updated') return undefined;
  const transfer = event.data.object;
  if (event.type === 'transfer.updated') {
    // transfer.updated also fires for description or metadata edits: only a grown reversal counts.
    const before = (event.data.previous_attributes as Partial<Stripe.Transfer> | undefined)?.amount_reversed;
    if (before === undefined || transfer.amount_reversed <= before) return undefined;
  }
  const paymentId = transfer.metadata?.paymentId;
  if (!paymentId || transfer.amount_reversed <= 0) return undefined;
  return {
    kind: 'TRANSFER_REVERSED',
    eventId: event.id,
    paymentId,
    transferId: transfer.id,
    amountMinor: transfer.amount_reversed,
    currency: transfer.currency.toUpperCase(),
  };
}

/**
 * Verifies a delivery and maps it. Throws Stripe's StripeSignatureVerificationError when the
 * signature, the secret or the timestamp (5 minutes' tolerance) do not match.
 */
export function verifyStripeWebhook(
  rawBody: Buffer | string,
  signatureHeader: string | undefined,
  secret: string,
): StripeTransferEvent | undefined {
  const event = Stripe.webhooks.constructEvent(rawBody, signatureHeader ?? '', secret);
  return transferEventOf(event);
}

export interface StripeWebhookHandlerOptions {
  secret: string;
  /** Applies the event to the payment; a throw answers 500, so Stripe delivers it again later. */
  onEvent: (event: StripeTransferEvent) => Promise<void>;
  /** Stripe's events are small; the default is express.raw's own (100kb). */
  bodyLimit?: string;
}

/**
 * The route's handlers (mount them as they are, before any JSON body parser): the raw body, then
 * verification. A bad or missing signature is a 400 problem+json; an event that means nothing to
 * us is acknowledged (200) so that Stripe stops sending it.
 */
export function stripeWebhookHandler(options: StripeWebhookHandlerOptions): RequestHandler[] {
  const verify: RequestHandler = (req, res, next) => {
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body)) {
      next(new Error('stripe webhook: the body was parsed before the raw-body parser (mount order)'));
      return;
    }
    let event: StripeTransferEvent | undefined;
    try {
      event = verifyStripeWebhook(body, req.get('stripe-signature'), options.secret);
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeSignatureVerificationError)) {
        next(err);
        return;
      }
      res
        .status(400)
        .type('application/problem+json')
        .send(
          JSON.stringify({
            type: problemType('invalid-webhook-signature'),
            title: 'Invalid webhook signature',
            status: 400,
            detail: 'the Stripe-Signature header does not match this body and the endpoint secret',
          }),
        );
      return;
    }
    if (!event) {
      res.status(200).json({ received: true });
      return;
    }
    options.onEvent(event).then(
      () => res.status(200).json({ received: true }),
      (err: unknown) => next(err),
    );
  };
  // Any content type: what Stripe signed is the bytes, whatever it calls them.
  return [express.raw({ type: () => true, limit: options.bodyLimit ?? '100kb' }), verify];
}
