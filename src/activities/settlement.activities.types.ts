/** Serialisable inputs and results of the settlement activities: what crosses the Temporal boundary. */
import type { RunApprovalPolicy, RunApprovalStatus, RunDecisionAction } from '../domain/settlement-approval';
import type { SettlementStatus, SettlementTrigger } from '../ports/settlement-repository.port';

export interface PlanSettlementInput {
  settlementId: string;
  /** `YYYY-MM-DD`, inclusive: commissions that occurred up to the end of that day in `timeZone`. */
  periodEnd: string;
  currency: string | null;
  trigger: SettlementTrigger;
  startedBy: string;
  /** The run's SETTLEMENT_TIME_ZONE (from its settings); absent: UTC. */
  timeZone?: string;
  /** When the run waits for a second operator before paying (absent: never; runs from before it). */
  approval?: RunApprovalPolicy;
}

export interface CurrencyPlanTotals {
  payoutCount: number;
  /** Decimal string: exact whatever its size. */
  payoutMinor: string;
  skippedCount: number;
}

export interface PlanSettlementResult {
  settlementId: string;
  itemCount: number;
  skippedCount: number;
  totals: Record<string, CurrencyPlanTotals>;
  /** The run's approval as recorded (a re-planned run reads it back); absent when none is needed. */
  approval?: { status: RunApprovalStatus; deadline: string };
  /** The API's public key (hex), to check a decision's signature; absent when none is configured. */
  decisionKey?: string;
}

export interface SettlementPageInput {
  settlementId: string;
  afterSeq: number;
  limit: number;
}

export interface SettlementPageItem {
  seq: number;
  partnerId: string;
  currency: string;
  paymentId: string;
  netMinor: number;
}

export interface SettlementPageResult {
  items: SettlementPageItem[];
}

export interface SettlementProgressInput {
  settlementId: string;
  periodEnd: string;
  currency: string | null;
  itemCount: number;
  skippedCount: number;
  /** A SettlementProgress event is appended once this many payouts have finished (and at the end). */
  reportAtFinished: number;
}

export interface SettlementProgressResult {
  byStatus: Record<string, number>;
  /** Payouts whose payment reached an outcome. */
  finished: number;
  /** Parked until a second person decides: they hold no slot of the run's window. */
  awaitingApproval: number;
  reported: boolean;
}

export interface CompleteSettlementInput {
  settlementId: string;
}

export interface CompleteSettlementResult {
  settlementId: string;
  byStatus: Record<string, number>;
  completedAt: string;
}

/** One page of a run's payouts to start; its progress is reported like `settlementProgress`'s. */
export interface StartSettlementPayoutsInput extends SettlementProgressInput {
  startedBy: string;
  /** Where the run got to: payouts up to this seq are started. */
  afterSeq: number;
  started: number;
  /** Payouts this page starts at the most, before the run continues as new. */
  pageSize: number;
  /** Payouts in flight at once (started and not finished, approvals aside). */
  concurrency: number;
  /** How long to wait for a free slot before looking again. */
  pollIntervalMs: number;
  /** The next milestone after a reported one is this many finished payouts further. */
  reportEvery: number;
}

export interface StartSettlementPayoutsResult extends SettlementProgressResult {
  afterSeq: number;
  started: number;
  reportAtFinished: number;
}

export interface ClaimSettlementPeriodInput {
  settlementId: string;
  periodEnd: string;
  currency: string | null;
}

/** An operator's decision on a run awaiting approval, or the run's own expiry past its deadline. */
export interface DecideSettlementRunInput {
  settlementId: string;
  action: RunDecisionAction | 'expire';
  actor: string;
  reason: string | null;
}

export interface DecideSettlementRunResult {
  settlementId: string;
  /** Where the approval stands now: a run's expiry that lost to a decision answers that decision. */
  approval: RunApprovalStatus;
  status: SettlementStatus;
  decidedBy: string | null;
  /** Payouts given back (rejected or expired). */
  releasedPayouts: number;
}
