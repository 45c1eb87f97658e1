import type { PaymentSnapshot } from '../domain/payment.aggregate';
import type { PaymentStatus } from '../domain/payment-status';
import type { RemittanceStatement } from '../domain/remittance-statement';
import type { StoredEvent } from './event-log.port';

/** A payment as the read model holds it, with its events. */
/** One provider a payout was sent to (PAYOUT_ROUTES), as the payment's view shows it. */
export interface PayoutAttemptView {
  attempt: number;
  provider: string;
  status: 'SENT' | 'PAID' | 'DECLINED';
  reason: string | null;
  reference: string | null;
  at: string;
}

export interface PaymentView extends PaymentSnapshot {
  events: StoredEvent[];
  /** The rail that paid (or is paying) it and every attempt, in order; absent before routing. */
  payout?: { provider: string | null; attempts: PayoutAttemptView[] };
  /** Paid by bank file: whether the bank's statement booked it (issue 26); absent for other rails. */
  reconciliation?: 'AWAITING_STATEMENT' | 'BOOKED' | 'RETURNED';
}

export interface StartPaymentCommand {
  paymentId: string;
  partnerId: string;
  currency: string;
  lines: Array<{ reference: string; amountMinor: number; description: string }>;
  createdBy: string;
  declaredTotalMinor?: number;
  requestHash: string;
}

export type RestartPaymentCommand = Omit<StartPaymentCommand, 'requestHash' | 'declaredTotalMinor'>;

export interface StartOutcome {
  workflowId: string;
  runId: string;
  /** False when a workflow with this payment id already existed (an idempotent retry, or a key reused). */
  created: boolean;
  /** The request hash the existing workflow was started with. */
  requestHash: string | undefined;
}

export interface LivePaymentState {
  paymentId: string;
  partnerId: string;
  currency: string;
  totalMinor: number;
  status: string;
  createdBy: string;
  approvedBy: string | null;
  reason: string | null;
}

export type PaymentAction = 'approve' | 'reject' | 'cancel' | 'refund';

/** What the API needs from the orchestration engine; implemented over the Temporal client in infra. */
export interface PaymentCommands {
  start(cmd: StartPaymentCommand): Promise<StartOutcome>;
  /** Runs an operator decision as a workflow Update; domain refusals come back as DomainErrors. */
  decide(
    paymentId: string,
    action: PaymentAction,
    decision: { actor: string; reason?: string | null; reverseCommissions?: boolean },
  ): Promise<LivePaymentState>;
  /**
   * Starts a new run of a payment whose workflow has ended while the payment has not: the run
   * resumes from the recorded state (recording it again finds it). Only after a closed run.
   */
  restart(cmd: RestartPaymentCommand): Promise<{ workflowId: string; runId: string }>;
  /** The running workflow's own view, for the moment before the read model has the payment. */
  liveState(paymentId: string): Promise<LivePaymentState | undefined>;
  workflowId(paymentId: string): string;
}

export interface PaymentListFilter {
  partnerId?: string;
  status?: PaymentStatus;
  currency?: string;
  createdFrom?: string;
  createdTo?: string;
  limit: number;
  after?: { createdAt: string; id: string };
}

export interface PaymentReads {
  getById(id: string): Promise<PaymentView | undefined>;
  /** The remittance advice: the payout's lines with what each commission or clawback was. */
  statement(id: string): Promise<RemittanceStatement | undefined>;
  list(filter: PaymentListFilter): Promise<Omit<PaymentView, 'events'>[]>;
}
