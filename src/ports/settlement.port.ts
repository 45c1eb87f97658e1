import type { SettlementItem, SettlementRun } from './settlement-repository.port';
import type { RunApprovalStatus, RunDecisionAction } from '../domain/settlement-approval';
import type { PartnerBalance, SettlementSkipReason } from '../domain/settlement-plan';

/** Starts and watches settlement runs; implemented over the Temporal client in infra. */
export interface SettlementCommands {
  /**
   * Starts the run of a period (and currency) under its id; the period is claimed for it already.
   * A run started before (a retried request) is not started again: `created` is false.
   */
  start(cmd: {
    settlementId: string;
    periodEnd: string;
    currency: string | null;
    startedBy: string;
  }): Promise<{ created: boolean }>;
  /** Whether the run's workflow is running now (not failed, terminated, timed out or done). */
  isRunning(settlementId: string): Promise<boolean>;
  /** The running workflow's own progress (payouts started, finished, awaiting approval), if it runs. */
  liveProgress(settlementId: string): Promise<LiveSettlementProgress | undefined>;
  workflowId(settlementId: string): string;
  /**
   * An operator's decision on a run awaiting approval, sent to the run (signed, as payment
   * decisions are). Refusals arrive as domain errors (SETTLEMENT.FOUR_EYES_VIOLATION, …).
   */
  decide(
    settlementId: string,
    action: RunDecisionAction,
    decision: { actor: string; reason: string | null },
  ): Promise<RunDecisionView>;
}

export interface RunDecisionView {
  settlementId: string;
  approval: RunApprovalStatus;
  status: string;
  decidedBy: string | null;
  releasedPayouts: number;
}

/** Per currency, what an approver sees before deciding a run. */
export interface SettlementPreview {
  [currency: string]: {
    partners: number;
    totalMinor: string;
    /** The largest payouts, largest first. */
    largest: Array<{ partnerId: string; paymentId: string; netMinor: string }>;
    /** Balances left out, by skip reason. */
    skipped: Partial<Record<SettlementSkipReason, number>>;
  };
}

export interface LiveSettlementProgress {
  phase: string;
  itemCount: number;
  started: number;
  finished: number;
  awaitingApproval: number;
}

/** The configured Temporal Schedule that starts runs. */
export interface SettlementScheduleInfo {
  /** Undefined when the schedule is off. */
  describe(): Promise<ScheduleView | undefined>;
}

export interface ScheduleView {
  scheduleId: string;
  spec: string;
  paused: boolean;
  nextRunAt: string | null;
  recentRuns: Array<{ scheduledAt: string; workflowId: string }>;
}

/** Per currency and payment status: how many payouts and how much, as decimal strings. */
export interface SettlementTotals {
  [currency: string]: {
    planned: { count: number; amountMinor: string };
    skipped: { count: number; amountMinor: string };
    byStatus: Record<string, { count: number; amountMinor: string }>;
  };
}

export interface SettlementView extends SettlementRun {
  totals: SettlementTotals;
  /** Payouts that reached an outcome, over all currencies. */
  finishedCount: number;
}

export interface SettlementItemView extends SettlementItem {
  /** The payment's status, `NOT_RECORDED` before the payment exists, null for a skipped balance. */
  paymentStatus: string | null;
}

/**
 * A run's file-rail payouts by what the bank's statements said (reconciliation_payouts): payouts
 * by other rails have no statement and are not counted.
 */
export interface SettlementReconciliationCounts {
  booked: number;
  returned: number;
  /** Taken by the bank, not yet named by a statement. */
  awaitingStatement: number;
}

export interface SettlementReads {
  get(id: string): Promise<SettlementView | undefined>;
  /** Newest first, keyset-paginated on (created_at, id). */
  list(filter: { limit: number; after?: { createdAt: string; id: string } }): Promise<SettlementRun[]>;
  /** In seq order: payouts first, then skipped balances; `skipped` narrows to one or the other. */
  items(
    id: string,
    filter: { afterSeq: number; limit: number; skipped?: boolean },
  ): Promise<SettlementItemView[]>;
  /** Commissions of the run SETTLING for a payout that has no payment yet (stranded if the run stopped). */
  unstartedCommissions(id: string): Promise<number>;
  /** Its payouts' reconciliation states, counted in one grouped query. */
  reconciliation(id: string): Promise<SettlementReconciliationCounts>;
  /** What a run pays per currency, its `largest` payouts and what it leaves out, for its approver. */
  preview(id: string, largest: number): Promise<SettlementPreview>;
  /** What a run would claim now: payable balances up to the cutoff (exclusive), nothing written. */
  payableBalances(q: { cutoff: string; currency: string | null; now: string }): Promise<PartnerBalance[]>;
}
