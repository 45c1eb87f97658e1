import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RunApprovalPolicy, RunApprovalStatus, RunDecisionAction } from '../domain/settlement-approval';
import type { SettlementTrigger } from '../ports/settlement-repository.port';
import type { DecisionAssertion, PaymentWorkflowSettings } from './payment.messages';

/**
 * The settlement workflows' messages: what the API's Temporal adapter and the settlement Schedule
 * start them with and read from them. Their code stays in settlement.workflow.ts.
 */

/** A settlement run, started by hand (`POST /settlements`) or as the scheduled trigger's child. */
export const settlementWorkflowType = 'settlementWorkflow';
export type SettlementWorkflow = (input: SettlementWorkflowInput) => Promise<SettlementWorkflowResult>;

/** What the settlement Schedule starts: it runs the period's settlement under its own id. */
export const scheduledSettlementWorkflowType = 'scheduledSettlementWorkflow';
export type ScheduledSettlementWorkflow = (
  input: ScheduledSettlementInput,
) => Promise<ScheduledSettlementResult>;

export interface SettlementSettings {
  /** Payouts in flight at once (recorded, approved or paying); those awaiting approval do not count. */
  concurrency: number;
  /** Payouts started per workflow run before it continues as new, so no history grows long. */
  pageSize: number;
  /** How often the run looks at its payments while some are in flight. */
  pollIntervalMs: number;
  /** How often it looks when only approvals are outstanding. */
  idlePollIntervalMs: number;
  /** Continue as new past this many history events even within a page (long approval waits). */
  maxHistoryEvents: number;
  activityStartToCloseMs: number;
  retryInitialIntervalMs: number;
  retryMaxIntervalMs: number;
  /** The payments task queue and the settings every payout of the run starts with. */
  paymentTaskQueue: string;
  payment: PaymentWorkflowSettings;
  /**
   * SETTLEMENT_TIME_ZONE: where a period ends (the activity's cut-off, the Schedule's "yesterday").
   * Absent in inputs from before it existed: UTC.
   */
  timeZone?: string;
  /**
   * SETTLEMENT_APPROVAL_*: when a run waits for a second operator before any payout starts.
   * Absent in inputs from before runs were approved as a whole: never.
   */
  approval?: RunApprovalPolicy;
}

/** Where a run stands between workflow runs (continue-as-new carries it). */
export interface SettlementCursor {
  itemCount: number;
  skippedCount: number;
  /** The last payout started, by its seq. */
  afterSeq: number;
  started: number;
  /** Next SettlementProgress event when this many payouts have finished. */
  reportAtFinished: number;
}

export interface SettlementWorkflowInput {
  settlementId: string;
  periodEnd: string;
  currency: string | null;
  trigger: SettlementTrigger;
  startedBy: string;
  settings: SettlementSettings;
  cursor?: SettlementCursor;
}

export interface SettlementWorkflowResult {
  settlementId: string;
  itemCount: number;
  skippedCount: number;
  byStatus: Record<string, number>;
  /** A run that waited for approval: how that ended (REJECTED or EXPIRED runs paid nothing). */
  approval?: RunApprovalStatus;
}

export interface SettlementProgress {
  settlementId: string;
  phase: 'PLANNING' | 'AWAITING_APPROVAL' | 'PAYING' | 'COMPLETED' | 'REJECTED' | 'RELEASED';
  itemCount: number;
  skippedCount: number;
  started: number;
  finished: number;
  awaitingApproval: number;
  byStatus: Record<string, number>;
}

export const settlementProgressQuery = defineQuery<SettlementProgress>('progress');

/** An operator's decision on a run awaiting approval, signed by the API as payment decisions are. */
export interface RunDecisionInput {
  action: RunDecisionAction;
  actor: string;
  reason?: string | null;
  /** The API's signature over (run id, action, actor): without a valid one the decision is refused. */
  assertion?: DecisionAssertion;
}

export interface RunDecisionResult {
  settlementId: string;
  approval: RunApprovalStatus;
  status: string;
  decidedBy: string | null;
  releasedPayouts: number;
}

/** Approve or reject a run awaiting approval; refused (SETTLEMENT.NOT_AWAITING_APPROVAL) otherwise. */
export const decideRunUpdate = defineUpdate<RunDecisionResult, [RunDecisionInput]>('decide');

export interface ScheduledSettlementInput {
  /** Limits the scheduled runs to one currency (usually all: null). */
  currency: string | null;
  settings: SettlementSettings;
}

export interface ScheduledSettlementResult {
  settlementId: string;
  /** True when the period had already been settled (or started) by hand: the trigger did nothing. */
  skipped: boolean;
  result?: SettlementWorkflowResult;
}
