import type { CommissionKind, CommissionSnapshot, CommissionStatus } from '../domain/commission.aggregate';

/**
 * The commission ledger's read side, as the API needs it. Statuses are effective ones: a PENDING
 * entry past its hold reads as PAYABLE (nothing writes PAYABLE when a hold elapses).
 */

/** A ledger entry as the API shows it; `status` is the effective status at the time of reading. */
export type CommissionView = CommissionSnapshot;

export interface CommissionListFilter {
  partnerId?: string;
  /** Effective status. */
  status?: CommissionStatus;
  currency?: string;
  kind?: CommissionKind;
  /** Inclusive, on occurredAt. */
  occurredFrom?: string;
  /** Exclusive, on occurredAt. */
  occurredTo?: string;
  limit: number;
  after?: { createdAt: string; id: string };
  /** The instant holds are compared with. */
  now: Date;
}

/**
 * One partner's outstanding ledger in one currency. Sums are decimal strings of minor units: a
 * partner's total over many entries may pass 2^53.
 */
export interface CommissionBalance {
  currency: string;
  /** Commissions still in their hold. */
  pendingMinor: string;
  pendingCount: number;
  /** Commissions a settlement run may pay now. */
  payableMinor: string;
  payableCount: number;
  /** Clawbacks not yet netted off (≤ 0). */
  clawbacksOutstandingMinor: string;
  clawbackCount: number;
  /** payable + clawbacks outstanding. */
  netPayableMinor: string;
  /** Entries (commissions and clawbacks) claimed by a running settlement. */
  settlingMinor: string;
  settlingCount: number;
}

export interface CommissionReads {
  getByExternalRef(externalRef: string, now: Date): Promise<CommissionView | undefined>;
  /** Newest first, keyset-paginated on (createdAt, id). */
  list(filter: CommissionListFilter): Promise<CommissionView[]>;
  /** Per currency with anything pending, payable or settling, ordered by currency. */
  balances(partnerId: string, now: Date): Promise<CommissionBalance[]>;
  /** The same for many partners in one query; a partner with nothing outstanding is absent. */
  balancesOf(partnerIds: readonly string[], now: Date): Promise<Map<string, CommissionBalance[]>>;
  /** Which of these partner ids are registered. */
  existingPartnerIds(ids: readonly string[]): Promise<Set<string>>;
}
