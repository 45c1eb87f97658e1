/**
 * The payout provider (a bank or payment service) as the domain sees it. Adapters must be
 * idempotent per `idempotencyKey`: the same key returns the first result and never moves money
 * twice. A business refusal is thrown as a DomainError with code `PAYOUT_DECLINED`; any other
 * error is transient and may be retried with the same key.
 */
import type { PayoutMethodData } from '../domain/payout-method.value-object';

export interface PayoutRequest {
  idempotencyKey: string;
  paymentId: string;
  partnerId: string;
  amountMinor: number;
  currency: string;
  payoutAccount: string;
  /** The method `payoutAccount` belongs to (routing picks the rail by its type and country). */
  method?: PayoutMethodData;
  /** The partner's name: the creditor a bank file names. */
  creditorName?: string;
}

export interface RefundRequest {
  idempotencyKey: string;
  paymentId: string;
  payoutReference: string;
  amountMinor: number;
  currency: string;
}

export interface ProviderReceipt {
  /** The provider's id for the transfer: a payout reference or a refund reference. */
  reference: string;
}

/**
 * What the provider did with the payout sent under an idempotency key, as far as it will ever do:
 * `NOT_PAID` is final (the provider has refused the key for good), so it is safe to fail on.
 */
export type PayoutOutcome =
  | { kind: 'PAID'; reference: string }
  | { kind: 'DECLINED'; reason: string }
  | { kind: 'NOT_PAID'; reason: string };

export interface PayoutProvider {
  payout(request: PayoutRequest): Promise<ProviderReceipt>;
  refund(request: RefundRequest): Promise<ProviderReceipt>;
  /**
   * Asks the provider about a payout by its idempotency key. When it has none, the key is closed
   * first (a request still in flight with it can then no longer pay), so the answer never changes.
   * A provider that cannot answer throws a plain (transient) error.
   */
  payoutOutcome(idempotencyKey: string): Promise<PayoutOutcome>;
}

export const PAYOUT_DECLINED = 'PAYOUT_DECLINED';
