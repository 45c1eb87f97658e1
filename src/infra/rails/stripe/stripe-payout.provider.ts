import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import Stripe from 'stripe';
import { DomainError, ErrorCodes } from '../../../domain/domain-error';
import {
  PAYOUT_DECLINED,
  type PayoutOutcome,
  type PayoutProvider,
  type PayoutRequest,
  type ProviderReceipt,
  type RefundRequest,
} from '../../../ports/payout-provider.port';
import { PAYOUT_PROVIDER_REJECTED, REFUND_NOT_ALLOWED } from '../../payout/http-payout.provider';

/** How to reach Stripe (or stripe-mock): the `stripe` part of the app config. */
export interface StripeClientOptions {
  apiKey: string;
  /** Undefined → api.stripe.com over HTTPS; stripe-mock is e.g. http://127.0.0.1:12111. */
  apiBase: string | undefined;
  /** Whole-call budget of one attempt. */
  timeoutMs: number;
}

/** The partner's connected account (`acct_…`) a payout goes to. */
export type DestinationFor = (request: PayoutRequest) => string | Promise<string>;

/** Until payout methods exist: the request's payout account, when it is a connected account id. */
export const payoutAccountAsDestination: DestinationFor = (request) => request.payoutAccount;

const CONNECTED_ACCOUNT = /^acct_[A-Za-z0-9]+$/;

/**
 * The official SDK on our terms: no retries of its own (Temporal retries the activity with the same
 * idempotency key, and one layer of retries is enough), our timeout.
 */
export function stripeClient(options: StripeClientOptions): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  return new Stripe(options.apiKey, {
    maxNetworkRetries: 0,
    timeout: options.timeoutMs,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'http:' ? 80 : 443),
          protocol: base.protocol === 'http:' ? 'http' : 'https',
        }
      : {}),
  });
}

/**
 * Stripe error codes that are a refusal of this payout for good (the connected account, our balance,
 * the amount): nothing moved and retrying will not change it. https://docs.stripe.com/error-codes
 */
const DECLINE_CODES = new Set([
  'account_closed',
  'account_invalid',
  'amount_too_large',
  'amount_too_small',
  'balance_insufficient',
  'capability_disabled',
  'insufficient_capabilities_for_transfer',
  'insufficient_funds',
  'payouts_not_allowed',
  'transfers_not_allowed',
]);

export type StripeCall = 'payout' | 'refund' | 'lookup';

/**
 * A Stripe failure in the port's terms, like the sandbox bank adapter's: a definite refusal is a
 * DomainError (PAYOUT_DECLINED for the account or balance, PAYOUT_PROVIDER_REJECTED / REFUND_NOT_ALLOWED
 * for other 4xx refusals), which the workflow does not retry; anything whose outcome is unknown (5xx,
 * timeouts, refused connections, rate limits, conflicts) is a plain Error, retried with the same key.
 * A lookup never refuses: any failure there is "cannot answer now".
 */
export function mapStripeError(err: unknown, call: StripeCall, what: string): Error {
  if (err instanceof DomainError) return err;
  if (!(err instanceof Stripe.errors.StripeError)) {
    return new Error(`stripe: ${what} failed (${messageOf(err)}) (transient, retry with the same key)`);
  }
  const status = err.statusCode;
  const details = {
    ...(status !== undefined ? { status } : {}),
    ...(err.code ? { providerCode: err.code } : {}),
    ...(err.requestId ? { requestId: err.requestId } : {}),
  };
  const summary = `${err.type}${err.code ? ` ${err.code}` : ''}${status ? ` (${status})` : ''}: ${err.message}`;
  const transient = (): Error =>
    new Error(`stripe: ${what} failed: ${summary} (transient, retry with the same key)`);

  if (call === 'lookup') return transient();
  if (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeRateLimitError ||
    // Our own credentials: nothing moved, and it works again once the key is fixed.
    err instanceof Stripe.errors.StripeAuthenticationError ||
    status === undefined ||
    status >= 500 ||
    status === 408 ||
    status === 409 ||
    status === 429 ||
    err.code === 'lock_timeout' ||
    err.code === 'rate_limit'
  ) {
    return transient();
  }
  // The same key with other parameters: our bug, and no proof either way of what the first request
  // did (the workflow knows this providerCode: src/workflows/payment.decisions.ts).
  if (err instanceof Stripe.errors.StripeIdempotencyError) {
    return new DomainError(PAYOUT_PROVIDER_REJECTED, `stripe: ${what} refused: ${summary}`, {
      ...details,
      providerCode: 'IDEMPOTENCY_KEY_REUSED',
    });
  }
  const declined =
    err instanceof Stripe.errors.StripeCardError ||
    (err.code !== undefined && DECLINE_CODES.has(err.code)) ||
    (err instanceof Stripe.errors.StripeInvalidRequestError && err.param?.startsWith('destination') === true);
  if (declined) return new DomainError(PAYOUT_DECLINED, `stripe: ${what} declined: ${summary}`, details);
  if (call === 'refund') {
    return new DomainError(REFUND_NOT_ALLOWED, `stripe: ${what} refused: ${summary}`, details);
  }
  return new DomainError(PAYOUT_PROVIDER_REJECTED, `stripe: ${what} refused: ${summary}`, details);
}

export interface StripePayoutProviderOptions {
  stripe: Stripe;
  destinationFor?: DestinationFor;
}

/**
 * The payout port over Stripe Connect: a payout is a Transfer from our platform balance to the
 * partner's connected account, a refund is a reversal of it. Stripe's `Idempotency-Key` is the
 * payout's own key, so a retried activity replays the first answer (Stripe keeps keys for at least
 * 24 hours). The transfer carries the payment in its metadata and the key as its `transfer_group`:
 * Stripe cannot look a request up by idempotency key, but it can list transfers by group.
 */
export class StripePayoutProvider implements PayoutProvider {
  private readonly stripe: Stripe;
  private readonly destinationFor: DestinationFor;

  constructor(options: StripePayoutProviderOptions) {
    this.stripe = options.stripe;
    this.destinationFor = options.destinationFor ?? payoutAccountAsDestination;
  }

  async payout(request: PayoutRequest): Promise<ProviderReceipt> {
    const destination = await this.destinationFor(request);
    // Refused before anything is sent (a DomainError with a dotted code proves nothing moved).
    if (!CONNECTED_ACCOUNT.test(destination)) {
      throw new DomainError(
        ErrorCodes.PARTNER_INVALID_PAYOUT_ACCOUNT,
        'a Stripe payout needs a connected account id (acct_…) as its destination',
      );
    }
    const transfer = await this.call('payout', 'POST /v1/transfers', () =>
      this.stripe.transfers.create(
        {
          // Minor units as ISO 4217 counts them, which is Stripe's unit for all but a few currencies
          // (ISK, HUF, TWD, UGX and the three-decimal ones have Stripe-specific rules: not handled yet).
          amount: request.amountMinor,
          currency: request.currency.toLowerCase(),
          destination,
          transfer_group: request.idempotencyKey,
          metadata: {
            paymentId: request.paymentId,
            partnerId: request.partnerId,
            idempotencyKey: request.idempotencyKey,
          },
        },
        { idempotencyKey: request.idempotencyKey },
      ),
    );
    return { reference: transfer.id };
  }

  async refund(request: RefundRequest): Promise<ProviderReceipt> {
    const reversal = await this.call(
      'refund',
      `POST /v1/transfers/${request.payoutReference}/reversals`,
      () =>
        this.stripe.transfers.createReversal(
          request.payoutReference,
          {
            amount: request.amountMinor,
            metadata: { paymentId: request.paymentId, idempotencyKey: request.idempotencyKey },
          },
          { idempotencyKey: request.idempotencyKey },
        ),
    );
    return { reference: reversal.id };
  }

  /**
   * Finds the transfer made under the key (its transfer_group). The answer is checked, not trusted
   * (stripe-mock answers any list with a fixture). When there is none this cannot say NOT_PAID:
   * Stripe has no way to void an idempotency key, so a request still in flight could yet pay. That
   * stays "cannot answer" (a plain error) until a later question finds the transfer.
   */
  async payoutOutcome(idempotencyKey: string): Promise<PayoutOutcome> {
    const page = await this.call('lookup', 'GET /v1/transfers', () =>
      this.stripe.transfers.list({ transfer_group: idempotencyKey, limit: 10 }),
    );
    const made = page.data.find(
      (t) => t.transfer_group === idempotencyKey && t.metadata?.idempotencyKey === idempotencyKey,
    );
    if (made) return { kind: 'PAID', reference: made.id };
    throw new Error(
      'stripe: no transfer under this idempotency key yet, and Stripe cannot void a key, so "not paid" ' +
        'is not final (transient, ask again)',
    );
  }

  /** One Stripe request in a client span (child of the activity's), its failure mapped. */
  private call<T>(kind: StripeCall, what: string, send: () => Promise<T>): Promise<T> {
    return trace
      .getTracer('alpes-partners-provider')
      .startActiveSpan(
        `stripe ${what.replace(/\/(tr|trr)_[A-Za-z0-9]+/g, '/{id}')}`,
        { kind: SpanKind.CLIENT },
        async (span) => {
          try {
            return await send();
          } catch (err) {
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw mapStripeError(err, kind, what);
          } finally {
            span.end();
          }
        },
      );
  }
}

/** The provider from the app config's `stripe` part. */
export function createStripePayoutProvider(
  options: StripeClientOptions,
  destinationFor: DestinationFor = payoutAccountAsDestination,
): StripePayoutProvider {
  return new StripePayoutProvider({ stripe: stripeClient(options), destinationFor });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
