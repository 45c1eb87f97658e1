import { DomainError } from '../../domain/domain-error';
import type { PayoutMethodData } from '../../domain/payout-method.value-object';
import type { PayoutAttempt, PayoutAttemptLog } from '../../ports/payout-attempt-log.port';
import {
  PAYOUT_DECLINED,
  type PayoutOutcome,
  type PayoutProvider,
  type PayoutRequest,
  type ProviderReceipt,
  type RefundRequest,
} from '../../ports/payout-provider.port';
import type { PayoutProviderName, PayoutRoute, PayoutRouteProvider } from '../rails/payout-rails-config';

/** Refusals that prove the provider moved no money (the payment workflow's provesNotPaid, on DomainErrors). */
const NOT_PAID_CODES = new Set(['PAYOUT_DECLINED', 'PAYOUT_VOIDED', 'PAYOUT_PROVIDER_REJECTED']);

export function isDefiniteRefusal(err: unknown): err is DomainError {
  if (!(err instanceof DomainError)) return false;
  if (err.code === 'PAYOUT_PROVIDER_REJECTED') return err.details?.providerCode !== 'IDEMPOTENCY_KEY_REUSED';
  return NOT_PAID_CODES.has(err.code) || err.code.includes('.');
}

/** Where the money goes, for routing: ES for a Spanish IBAN, the local account's country, none for Stripe. */
export function countryOf(method: PayoutMethodData | undefined): string | null {
  if (!method || method.type === 'STRIPE_CONNECT') return null;
  if (method.scheme === 'IBAN') return method.iban.slice(0, 2);
  if (method.scheme === 'LOCAL') return method.country;
  return /^[A-Z]{2}\d{2}/.test(method.account) ? method.account.slice(0, 2) : null;
}

export interface RoutingPayoutProviderOptions {
  routes: readonly PayoutRoute[];
  providers: Partial<Record<PayoutProviderName, PayoutProvider>>;
  attempts: PayoutAttemptLog;
}

/**
 * PAYOUT_ROUTES as a provider: the first route matching the payout's method type, currency and
 * country names providers in order. A payout goes to the next one only after a *definite* refusal
 * (a DomainError: a rejection, a 4xx business error). Anything else (a timeout, a 5xx, a lost answer)
 * is rethrown as it is: the attempt stays SENT, so the retried activity, and later the janitor, ask
 * that same provider under that same key. Each attempt is recorded before it is sent.
 */
export class RoutingPayoutProvider implements PayoutProvider {
  constructor(private readonly options: RoutingPayoutProviderOptions) {}

  /** The providers for this payout, in order, without those whose limit it exceeds. */
  routeFor(request: Pick<PayoutRequest, 'method' | 'currency' | 'amountMinor'>): PayoutRouteProvider[] {
    const type = request.method?.type ?? 'BANK_TRANSFER';
    const country = countryOf(request.method);
    const route = this.options.routes.find(
      (r) =>
        (r.method === '*' || r.method === type) &&
        (r.currency === '*' || r.currency === request.currency) &&
        (r.country === '*' || r.country === country),
    );
    return (route?.providers ?? []).filter(
      (p) => p.maxAmountMinor === undefined || request.amountMinor <= p.maxAmountMinor,
    );
  }

  async payout(request: PayoutRequest): Promise<ProviderReceipt> {
    const baseKey = request.idempotencyKey;
    const route = this.routeFor(request);
    for (;;) {
      const attempts = await this.options.attempts.attemptsOf(baseKey);
      refuseIfClosed(attempts);
      const paid = attempts.find((a) => a.status === 'PAID');
      if (paid) return { reference: paid.reference! };
      const sent = attempts.filter((a) => a.attempt > 0);
      const last = sent.at(-1);
      let current: PayoutAttempt;
      if (last && last.status === 'SENT') {
        current = last; // an earlier try of this payout never heard back: ask the same provider again
      } else {
        const tried = new Set(sent.map((a) => a.provider));
        const next = route.find((p) => !tried.has(p.name));
        if (!next) {
          throw new DomainError(
            PAYOUT_DECLINED,
            last?.reason ??
              `no payout provider routes ${request.currency} ${request.method?.type ?? 'payouts'} of this amount`,
            { providers: sent.map((a) => a.provider) },
          );
        }
        const attempt = (last?.attempt ?? 0) + 1;
        current = await this.options.attempts.record({
          paymentId: request.paymentId,
          attempt,
          baseKey,
          idempotencyKey: attempt === 1 ? baseKey : `${baseKey}:${attempt}`,
          provider: next.name,
          status: 'SENT',
        });
        // The janitor may have closed the payout meanwhile: then nothing is sent (see payoutOutcome).
        refuseIfClosed(await this.options.attempts.attemptsOf(baseKey));
        if (current.status !== 'SENT') continue; // a concurrent try recorded and settled it first
      }
      try {
        const receipt = await this.provider(current.provider).payout({
          ...request,
          idempotencyKey: current.idempotencyKey,
        });
        await this.options.attempts.settle(current.idempotencyKey, {
          status: 'PAID',
          reference: receipt.reference,
        });
        return receipt;
      } catch (err) {
        if (!isDefiniteRefusal(err)) throw err;
        await this.options.attempts.settle(current.idempotencyKey, {
          status: 'DECLINED',
          reason: `${err.code}: ${err.message}`,
        });
        const tried = new Set([...sent.map((a) => a.provider), current.provider]);
        if (!route.some((p) => !tried.has(p.name))) throw err; // the last provider's own refusal
      }
    }
  }

  async refund(request: RefundRequest): Promise<ProviderReceipt> {
    const attempts = await this.options.attempts.attemptsOfPayment(request.paymentId);
    const paid = attempts.find((a) => a.status === 'PAID' && a.reference === request.payoutReference);
    // Payouts from before routing were all paid by the sandbox bank.
    return this.provider(paid ? paid.provider : 'sandbox-bank').refund(request);
  }

  /**
   * The janitor's question. It first closes the payout (attempt 0, CLOSED), so a try still in
   * flight can no longer send it anywhere new, then asks the provider of the last attempt sent,
   * under that attempt's key.
   */
  async payoutOutcome(idempotencyKey: string): Promise<PayoutOutcome> {
    const before = await this.options.attempts.attemptsOf(idempotencyKey);
    const paid = before.find((a) => a.status === 'PAID');
    if (paid) return { kind: 'PAID', reference: paid.reference! };
    const paymentId = before[0]?.paymentId ?? paymentIdOfKey(idempotencyKey);
    if (paymentId) {
      await this.options.attempts.record({
        paymentId,
        attempt: 0,
        baseKey: idempotencyKey,
        idempotencyKey: `${idempotencyKey}:closed`,
        provider: 'none',
        status: 'CLOSED',
      });
    }
    const sent = (await this.options.attempts.attemptsOf(idempotencyKey)).filter((a) => a.attempt > 0);
    const last = sent.at(-1);
    // Payouts from before routing were sent to the sandbox bank under the payout's own key.
    if (!last) {
      return this.options.providers['sandbox-bank']
        ? this.options.providers['sandbox-bank'].payoutOutcome(idempotencyKey)
        : { kind: 'NOT_PAID', reason: 'no payout provider was asked to pay it' };
    }
    if (last.status === 'DECLINED') return { kind: 'DECLINED', reason: last.reason ?? 'declined' };
    const outcome = await this.provider(last.provider).payoutOutcome(last.idempotencyKey);
    if (outcome.kind === 'PAID')
      await this.options.attempts.settle(last.idempotencyKey, {
        status: 'PAID',
        reference: outcome.reference,
      });
    else
      await this.options.attempts.settle(last.idempotencyKey, { status: 'DECLINED', reason: outcome.reason });
    return outcome;
  }

  private provider(name: string): PayoutProvider {
    const provider = this.options.providers[name as PayoutProviderName];
    // Transient on purpose: a route naming a provider this process does not run is a deployment
    // mistake an operator fixes, not a refusal that may send the payout elsewhere.
    if (!provider) throw new Error(`payout provider ${name} is not configured in this process`);
    return provider;
  }
}

function refuseIfClosed(attempts: readonly PayoutAttempt[]): void {
  if (attempts.some((a) => a.status === 'CLOSED'))
    throw new DomainError(PAYOUT_DECLINED, 'the payout was closed by the janitor before it was sent');
}

const PAYOUT_KEY = /^payout:([0-9a-f-]{36})$/i;
const paymentIdOfKey = (key: string): string | null => PAYOUT_KEY.exec(key)?.[1] ?? null;
