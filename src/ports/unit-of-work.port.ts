import type { AuditWriter } from './audit.port';
import type { PartnerNoticeOutbox } from './partner-notice-outbox.port';
import type { CommissionRepository } from './commission-repository.port';
import type { EventLog } from './event-log.port';
import type { PartnerRepository } from './partner-repository.port';
import type { PaymentRepository } from './payment-repository.port';
import type { SettlementRepository } from './settlement-repository.port';
import type { TaxProfileRepository } from './tax-profile-repository.port';

export interface TransactionScope {
  payments: PaymentRepository;
  partners: PartnerRepository;
  commissions: CommissionRepository;
  settlements: SettlementRepository;
  taxProfiles: TaxProfileRepository;
  events: EventLog;
  /** Notices to the partner, sent once this transaction has committed. */
  partnerNotices: PartnerNoticeOutbox;
  /** The audit log: an entry written here commits with the change it records. */
  audit: AuditWriter;
}

/** One database transaction: everything done through the given repositories commits or rolls back together. */
export interface UnitOfWork {
  run<T>(work: (tx: TransactionScope) => Promise<T>): Promise<T>;
}
