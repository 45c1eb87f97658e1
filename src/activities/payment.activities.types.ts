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

export interface CompletePaymentInput extends PaymentStepInput {
  payoutReference: string;
}

export interface PaymentStepResult {
  paymentId: string;
  status: string;
  totalMinor: number;
  currency: string;
  version: number;
}

export interface RecordPaymentResult extends PaymentStepResult {
  requiresApproval: boolean;
}
