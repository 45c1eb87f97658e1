import type { DomainEvent } from '../domain/domain-event';

/**
 * Transactional outbox of partner notices. The events that call for a notice (payout-account
 * changes, a payout the bank returned) are added in the transaction that appends them, so a notice
 * exists if and only if its change committed; a relay sends it afterwards and keeps trying until
 * the partner's notification workflow has it. Events that call for no notice are ignored.
 */
export interface PartnerNoticeOutbox {
  add(events: readonly DomainEvent[]): Promise<void>;
}
