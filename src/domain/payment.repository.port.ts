import type { Payment } from './payment.aggregate';
import type { PaymentStatus } from './payment-status';
import type { DomainEvent } from './domain-event';
import type { Partner } from './partner.aggregate';
import type { CommissionRepository } from './commission.repository.port';
import type { SettlementRepository } from './settlement.repository.port';
import type { PartnerNoticeOutbox } from './partner-notice';

export interface PaymentRepository {
  findById(id: string): Promise<Payment | undefined>;
  save(payment: Payment): Promise<void>;
  /**
   * The account a payment was approved to pay (its own record, apart from the aggregate: it is
   * sensitive and never part of the payment's views or events). Fixing it again is a no-op.
   */
  fixPayoutAccount(paymentId: string, account: string, at: Date): Promise<void>;
  fixedPayoutAccount(paymentId: string): Promise<string | undefined>;
  /** Ids of payments in a status, longest there first (the janitor's work list). */
  idsInStatus(status: PaymentStatus, limit: number): Promise<string[]>;
}

export interface PartnerRepository {
  findById(id: string): Promise<Partner | undefined>;
  save(partner: Partner): Promise<void>;
}

/** Where an event was produced, so the log can be correlated with Temporal executions. */
export interface EventMetadata {
  workflowId: string | null;
  runId: string | null;
}

export interface EventLog {
  append(events: DomainEvent[], meta: EventMetadata): Promise<void>;
  /** Whether an event with this id is already in the log (a retried step that did commit). */
  has(eventId: string): Promise<boolean>;
}

export interface TransactionScope {
  payments: PaymentRepository;
  partners: PartnerRepository;
  commissions: CommissionRepository;
  settlements: SettlementRepository;
  events: EventLog;
  /** Notices to the partner, sent once this transaction has committed. */
  partnerNotices: PartnerNoticeOutbox;
}

/** One database transaction: everything done through the given repositories commits or rolls back together. */
export interface UnitOfWork {
  run<T>(work: (tx: TransactionScope) => Promise<T>): Promise<T>;
}
