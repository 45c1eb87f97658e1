import type { PartnerBalance, SkipReason } from '../domain/settlement-plan';

export type SettlementStatus = 'RUNNING' | 'COMPLETED';

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
}

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
  skipReason: SkipReason | null;
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
  /** The next payouts to start, in seq order. */
  payoutPage(settlementId: string, afterSeq: number, limit: number): Promise<SettlementItem[]>;
  /** How the run's payouts stand: their payments counted by status (`NOT_RECORDED` before one exists). */
  payoutStatusCounts(settlementId: string): Promise<Record<string, number>>;
}
