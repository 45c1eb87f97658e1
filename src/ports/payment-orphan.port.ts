import type { PaymentExecutionStatus } from '../domain/payment-orphan';
import type { PaymentStatus } from '../domain/payment-status';

/** A payment the janitor found orphaned (see `isOrphaned`), until it is recovered or ends. */
export interface PaymentOrphan {
  paymentId: string;
  partnerId: string;
  currency: string;
  totalMinor: number;
  paymentStatus: PaymentStatus;
  workflowStatus: PaymentExecutionStatus;
  workflowRunId: string | null;
  /** When its workflow closed, as Temporal says (else when the janitor first saw it). */
  orphanedAt: string;
  detectedAt: string;
}

export interface OrphanFinding {
  paymentId: string;
  paymentStatus: PaymentStatus;
  workflowStatus: PaymentExecutionStatus;
  workflowRunId: string | null;
  closedAt: string | null;
}

export interface PaymentOrphanStore {
  /**
   * Records one janitor look: `found` are the orphans among the `checked` payments. New ones are
   * added (returned), known ones refreshed, and checked ones no longer orphaned are closed.
   */
  reconcile(found: OrphanFinding[], checked: string[], at: Date): Promise<{ added: string[] }>;
  /** Orphans not yet recovered or ended, oldest first. */
  open(limit: number): Promise<PaymentOrphan[]>;
  /** An operator restarted its workflow: no longer open, and who did it is kept. */
  markRecovered(paymentId: string, by: string, runId: string, at: Date): Promise<void>;
}
