import type { RunApproval } from '../domain/settlement-approval';
import type { PartnerBalance, SettlementSkipReason } from '../domain/settlement-plan';

/**
 * AWAITING_APPROVAL: planned, no payout started until a second operator approves it as a whole.
 * RELEASED: stopped for good (by an operator, or undecided past its approval deadline), its
 * unstarted payouts given back. REJECTED: its approver said no; every payout given back.
 */
export type SettlementStatus = 'AWAITING_APPROVAL' | 'RUNNING' | 'COMPLETED' | 'RELEASED' | 'REJECTED';

export type SettlementTrigger = 'manual' | 'schedule';

/** One settlement run: every payable commission up to `periodEnd`, paid partner by partner. */
export interface SettlementRun {
  /** Also the run's workflow id: `settlement:<periodEnd>` or `settlement:<periodEnd>:<currency>`. */
  id: string;
  periodEnd: string;
  currency: string | null;
  status: SettlementStatus;
  trigger: SettlementTrigger;
  startedBy: string;
  itemCount: number;
  skippedCount: number;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  /** Planned with counters (`settlement_counters`); runs planned before them are counted by a scan. */
  counted?: boolean;
  /** Runs that wait for a second operator before any payout starts; null when it need not. */
  approval?: RunApproval | null;
}

/** A run's payouts by currency and status (count and planned amount): SKIPPED and NOT_RECORDED too. */
export type SettlementCounters = Record<string, Record<string, { count: number; amountMinor: string }>>;

/** One partner + currency of a run: a payout (with its payment id) or a skip (with its reason). */
export interface SettlementItem {
  /** 1..n for payouts in (currency, partner) order; skipped balances follow. */
  seq: number;
  partnerId: string;
  currency: string;
  paymentId: string | null;
  /** Exact decimal string: a net may exceed what a JS number holds. */
  netMinor: string;
  commissionCount: number;
  clawbackCount: number;
  skipReason: SettlementSkipReason | null;
  skipDetail: string | null;
}

/** Set-based ledger operations of a run; each call runs inside the caller's unit of work. */
export interface SettlementRepository {
  find(id: string): Promise<SettlementRun | undefined>;
  create(run: SettlementRun): Promise<void>;
  update(run: SettlementRun): Promise<void>;
  /**
   * Takes every payable entry occurred before `cutoff` (optionally of one currency) into the run:
   * SETTLING with the run's id. Clawbacks belong to no period: the next run nets every one. Atomic, so a concurrent run or reversal can never share an entry.
   */
  claimPayable(q: {
    settlementId: string;
    cutoff: string;
    currency: string | null;
    now: string;
  }): Promise<number>;
  /** What the run claimed, summed per partner and currency, with each partner's standing. */
  claimedBalances(settlementId: string): Promise<PartnerBalance[]>;
  /** Gives back the claimed entries of these partner + currency pairs (carried forward to a later run). */
  release(
    settlementId: string,
    keys: ReadonlyArray<{ partnerId: string; currency: string }>,
    now: string,
  ): Promise<void>;
  /** Records the run's items and links each payout's claimed entries to its payment id. */
  recordItems(settlementId: string, items: readonly SettlementItem[], now: string): Promise<void>;
  /** The next payouts to start, in seq order (released ones are not). */
  payoutPage(settlementId: string, afterSeq: number, limit: number): Promise<SettlementItem[]>;
  /** Starts a run's counters from its items (planning): NOT_RECORDED payouts and SKIPPED balances. */
  initCounters(settlementId: string): Promise<void>;
  /**
   * A payout's payment moved from one status to another (NOT_RECORDED before it existed): its run's
   * counters follow, in the payment's own transaction. A payment of no run (or of a run planned
   * before counters) changes nothing.
   */
  countPayoutTransition(paymentId: string, from: string, to: string): Promise<void>;
  /**
   * Claims a period for a run: all currencies, or one. A run of all currencies and a run of one
   * currency of the same period exclude each other. Answers the run that holds the claim — this one
   * when it is new or this run's own, another run when that one settles (part of) the period.
   */
  claimPeriod(periodEnd: string, currency: string | null, settlementId: string, now: string): Promise<string>;
  /**
   * Gives back a stopped run's payouts that have no payment yet: marked released (the starter skips
   * them, a payment workflow started for one refuses to record it) and their commissions PAYABLE
   * again. Payouts with a payment keep going. Answers how many payouts and commissions it released.
   */
  releaseUnstarted(settlementId: string, now: string): Promise<{ payouts: number; commissions: number }>;
  /**
   * Locks a settlement payout's item against a concurrent release, for the transaction that
   * records its payment: true when it was released already (the payment must not be recorded).
   */
  lockPayoutForRecording(paymentId: string): Promise<boolean>;
  /** The run's approval, read without locking the run (its payouts read it concurrently). */
  approvalOf(settlementId: string): Promise<RunApproval | null>;
  /** How far the run's starter got (0, 0 before it started any). */
  startedCursor(settlementId: string): Promise<{ afterSeq: number; started: number }>;
  /** The starter got this far: never moves back (an old starter still running may report late). */
  recordStarted(settlementId: string, afterSeq: number, started: number): Promise<void>;
  /** The run's counters, summed over their shards: one read whatever the run's size. */
  counters(settlementId: string): Promise<SettlementCounters>;
  /** How the run's payouts stand: their payments counted by status (`NOT_RECORDED` before one exists). */
  payoutStatusCounts(settlementId: string): Promise<Record<string, number>>;
}
