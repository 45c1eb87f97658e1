import { newEventId, type DomainEvent } from './domain-event';

export type SettlementEventType =
  | 'SettlementStarted'
  | 'SettlementProgress'
  | 'SettlementCompleted'
  | 'SettlementReleased'
  | 'SettlementAwaitingApproval'
  | 'SettlementApproved'
  | 'SettlementRejected';

/** A run's milestones on the event log: what the dashboard's progress bar and the audit trail read. */
export type SettlementEventData = {
  settlementId: string;
  periodEnd: string;
  currency: string | null;
  /** Payouts the run makes (partner + currency pairs whose net cleared the minimum). */
  itemCount: number;
  skippedCount: number;
  /** Payouts that reached an outcome (completed, failed, rejected, cancelled, refunded). */
  finishedCount?: number;
  /** Payments by status so far. */
  byStatus?: Record<string, number>;
  /** Per currency: payout count and amount planned, as decimal strings. */
  totals?: Record<string, { payoutCount: number; payoutMinor: string; skippedCount: number }>;
  trigger?: string;
  startedBy?: string;
  /** Released: who gave the unstarted payouts back, why, and how many. */
  releasedBy?: string;
  reason?: string;
  releasedCount?: number;
  /** Approval: why the run waits and until when; who decided it. */
  approvalReasons?: string[];
  approvalDeadline?: string;
  decidedBy?: string;
};

export type SettlementDomainEvent = DomainEvent<SettlementEventType, SettlementEventData>;

export function settlementEvent(
  type: SettlementEventType,
  data: SettlementEventData,
  now: Date,
): SettlementDomainEvent {
  return {
    id: newEventId(),
    type,
    occurredAt: now.toISOString(),
    aggregate: { type: 'Settlement', id: data.settlementId },
    partnerId: null,
    data,
  };
}
