/** Serialisable inputs and results of the payout janitor's activities: what crosses the Temporal boundary. */

export interface FindUnknownPayoutsInput {
  /** At most this many per run: the next run takes the rest. */
  limit: number;
}

export interface FindUnknownPayoutsResult {
  paymentIds: string[];
}

export interface AskBankForPayoutInput {
  paymentId: string;
}

/**
 * What the bank says became of a payment's payout, in the form the payment workflow takes it
 * (its `resolvePayout` signal). `NOT_PAID` is final: the bank refused the key for good.
 */
export type PayoutResolution =
  { outcome: 'PAID'; payoutReference: string } | { outcome: 'NOT_PAID'; code: string; reason: string };

export interface FindOrphanedPaymentsInput {
  /** Closed workflows and known orphans looked at per run. */
  limit: number;
}

export interface FindOrphanedPaymentsResult {
  /** Orphans now open, and how many of them this run found first. */
  orphaned: number;
  added: number;
}
