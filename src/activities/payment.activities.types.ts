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
  lines: CommissionLineInput[];
  createdBy: string;
  declaredTotalMinor?: number;
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
}

export interface FailPaymentInput extends PaymentStepInput {
  reason: string;
}

export interface MarkRefundedInput extends ActorStepInput {
  refundReference: string;
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
}

export interface RecordPaymentResult extends PaymentStepResult {
  createdBy: string;
  requiresApproval: boolean;
}
