import type { PaymentView } from '../infra/db/payment.queries';

export interface StartPaymentCommand {
  paymentId: string;
  partnerId: string;
  currency: string;
  lines: Array<{ reference: string; amountMinor: number; description: string }>;
  createdBy: string;
  declaredTotalMinor?: number;
}

export interface LivePaymentState {
  paymentId: string;
  partnerId: string;
  currency: string;
  totalMinor: number;
  status: string;
}

/** What the API needs from the orchestration engine; implemented over the Temporal client in infra. */
export interface PaymentCommands {
  start(cmd: StartPaymentCommand): Promise<{ workflowId: string; runId: string }>;
  /** The running workflow's own view, for the moment before the read model has the payment. */
  liveState(paymentId: string): Promise<LivePaymentState | undefined>;
  workflowId(paymentId: string): string;
}

export interface PaymentReads {
  getById(id: string): Promise<PaymentView | undefined>;
}
