import type { Payment } from './payment.aggregate';
import type { DomainEvent } from './domain-event';

export interface PaymentRepository {
  findById(id: string): Promise<Payment | undefined>;
  save(payment: Payment): Promise<void>;
}

/** Where an event was produced, so the log can be correlated with Temporal executions. */
export interface EventMetadata {
  workflowId: string | null;
  runId: string | null;
}

export interface EventLog {
  append(events: DomainEvent[], meta: EventMetadata): Promise<void>;
}

/** One database transaction: everything done through the given repositories commits or rolls back together. */
export interface UnitOfWork {
  run<T>(work: (tx: { payments: PaymentRepository; events: EventLog }) => Promise<T>): Promise<T>;
}
