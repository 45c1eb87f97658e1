/** Serialisable inputs and results of the payment activities: what crosses the Temporal boundary. */
export interface CommissionLineInput {
  reference: string;
  amountMinor: number;
  description: string;
}

export interface RecordPaymentInput {
  paymentId: string;
  partnerId: string;
  currency: string;
  /** Empty for a settlement payout: its lines are the commissions the run claimed for it. */
  lines: CommissionLineInput[];
  createdBy: string;
  declaredTotalMinor?: number;
  /** Set when a settlement run started this payment. */
  settlementId?: string;
  /**
   * Start processing in the same transaction when no approval is needed: the workflow's next step
   * anyway, so a payment that needs none is recorded and under way in one commit.
   */
  startWhenNoApprovalNeeded?: boolean;
  /** Tell the partner right after the commit (see `PartnerNewsResult`). */
  notifyPartner?: boolean;
}

/**
 * A step that tells the partner about itself signal-with-starts the partner's notification workflow
 * right after its commit, saving the workflow a notice activity. Best effort: when that fails, the
 * workflow sends the notice with its notice activity (the partner's workflow drops a repeat by the
 * notice's source event id).
 */
export interface PartnerNewsResult {
  partnerNotified?: boolean;
}

export interface PaymentStepInput {
  paymentId: string;
}

export interface ActorStepInput extends PaymentStepInput {
  actor: string;
  reason?: string | null;
}

export interface CompletePaymentInput extends PaymentStepInput {
  payoutReference: string;
  /** Tell this partner right after the commit (see `PartnerNewsResult`). */
  notifyPartnerId?: string;
}

export interface FailPaymentInput extends PaymentStepInput {
  reason: string;
}

export interface PayoutUnknownInput extends PaymentStepInput {
  /** Why the outcome is unknown (the last error seen), for operators. */
  reason: string;
}

export interface CompensationFailedInput extends PaymentStepInput {
  /** The payout that went out and could not be given back. */
  payoutReference: string;
  reason: string;
}

/** A partner notice the payment workflow gave up on (the notification activity's retries ran out). */
export interface RecordUndeliveredNoticeInput extends PaymentStepInput {
  /** Drawn by the workflow (deterministic): the event's id, so a retried recording writes it once. */
  eventId: string;
  partnerId: string;
  /** The payment event the partner was not told of, e.g. PaymentCompleted. */
  eventType: string;
  reason: string;
}

export interface RecordUndeliveredNoticeResult {
  /** False when an earlier attempt had already recorded it. */
  recorded: boolean;
}

export interface MarkRefundedInput extends ActorStepInput {
  refundReference: string;
  /** The refunded commissions must not be paid again (REVERSED) rather than return to PAYABLE. */
  reverseCommissions?: boolean;
}

export interface ProviderStepResult {
  reference: string;
}

export interface PaymentStepResult {
  paymentId: string;
  status: string;
  totalMinor: number;
  currency: string;
  version: number;
  approvedBy: string | null;
  reason: string | null;
  /** The bank's reference once paid (absent in results recorded before it was reported). */
  payoutReference?: string | null;
}

export interface RecordPaymentResult extends PaymentStepResult, PartnerNewsResult {
  createdBy: string;
  requiresApproval: boolean;
  /** The public key (hex) operator decisions must be signed with: the workflow checks them against it. */
  decisionKey?: string;
}
