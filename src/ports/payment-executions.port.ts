import type { PaymentExecutionStatus } from '../domain/payment-orphan';

/** The latest run of a payment's workflow, as the orchestration engine reports it. */
export interface PaymentExecution {
  paymentId: string;
  status: PaymentExecutionStatus;
  runId: string | null;
  closedAt: string | null;
}

/** What the janitor and the recovery use case ask the engine about payment workflows. */
export interface PaymentExecutions {
  /** Payment workflows closed other than by completing (failed, terminated, timed out, cancelled), newest first. */
  closedUnsuccessfully(limit: number): Promise<PaymentExecution[]>;
  /** The latest run of `payment:<id>` (NOT_FOUND when there is none, e.g. past retention). */
  current(paymentId: string): Promise<PaymentExecution>;
}
