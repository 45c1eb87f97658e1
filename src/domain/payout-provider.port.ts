/**
 * The payout provider (a bank or payment service) as the domain sees it. Adapters must be
 * idempotent per `idempotencyKey`: the same key returns the first result and never moves money
 * twice. A business refusal is thrown as a DomainError with code `PAYOUT_DECLINED`; any other
 * error is transient and may be retried with the same key.
 */
export interface PayoutRequest {
  idempotencyKey: string;
  paymentId: string;
  partnerId: string;
  amountMinor: number;
  currency: string;
  payoutAccount: string;
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

export interface PayoutProvider {
  payout(request: PayoutRequest): Promise<ProviderReceipt>;
  refund(request: RefundRequest): Promise<ProviderReceipt>;
}

export const PAYOUT_DECLINED = 'PAYOUT_DECLINED';
