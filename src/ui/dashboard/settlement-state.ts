import { latestEndedPeriod } from '../../api/contract/api-contract.types';
import type { SettlementSkipReason } from '../../domain/settlement-plan';
import {
  PAYMENT_STATUSES,
  type ReleasedSettlement,
  type Settlement,
  type SettlementDecision,
  type SettlementDecisionAction,
  type SettlementDryRun,
  type SettlementItem,
  type SettlementList,
  type SettlementRun,
  type SettlementSchedule,
  type StartedSettlement,
} from '../../api/contract/api-contract.types';
import type { EventMessage, StreamEvent } from '../stream-protocol';
import { compareMinor, formatMinorString } from './money-format';

/**
 * The Settlements view's state and its reducer: pure, like `dashboard-state.ts`, so the merge rules
 * (REST snapshots vs. live `Settlement*` events, arriving in any order) are unit tested without a
 * browser. Progress only ever moves forward — payouts do not un-finish and a COMPLETED run does not
 * run again — so every merge keeps the furthest state seen, whichever source said it last.
 */

/**
 * The API's answers about runs are its contract's types (src/api/contract). A run as this view
 * holds it is a `GET /settlements` row, or what the live events said before one arrived (their
 * status and trigger are plain strings; they carry no `updatedAt`).
 */
export type SettlementRunSummary = Omit<
  SettlementRun,
  'status' | 'trigger' | 'updatedAt' | 'approval' | 'stopped'
> & {
  status: string;
  /** The API's word (list or snapshot) that the run's workflow stopped; events never say. */
  stopped?: boolean;
  trigger: string;
  /**
   * Known from the API's list and snapshots; a run seen only through events has none until its
   * approval events (which name the status, the reasons and the deadline, the decider) arrive.
   */
  approval?: SettlementApproval | null;
  /** A run given back (RELEASED) by an operator: who, why, and what was given back, when known. */
  release?: SettlementRelease;
};
/** A run's approval by a second operator (null in the API: the run did not need one). */
export type SettlementApproval = NonNullable<SettlementRun['approval']>;
export type ApprovalStatus = SettlementApproval['status'];
/** Per currency, what a run awaiting approval would pay and whom it leaves out. */
export type SettlementPreview = NonNullable<Settlement['preview']>;

export interface SettlementRelease {
  by: string;
  reason: string | null;
  /** Unstarted payouts given back. */
  payouts: number;
  /** Their commissions, payable again: only the release's own answer says (the event does not). */
  commissions?: number;
  at: string;
}
export type ApiSettlement = Settlement;
export type DryRunResult = SettlementDryRun;
export type {
  ReleasedSettlement,
  SettlementDecision,
  SettlementDecisionAction,
  SettlementItem,
  SettlementList,
  SettlementSchedule,
  StartedSettlement,
};
/** Per currency: planned and skipped payouts, and the planned ones by their payment's status. */
export type CurrencyTotals = Settlement['totals'][string];

/** What the progress bar shows; fed by snapshots and by events alike. */
export interface SettlementProgress {
  status: string;
  itemCount: number;
  finishedCount: number;
  /** Payouts by payment status, over all currencies. */
  byStatus: Record<string, number>;
}

export interface SettlementsState {
  runs: Readonly<Record<string, SettlementRunSummary>>;
  /** `undefined` until `GET /settlements` answered; `null` when the schedule is off. */
  schedule: SettlementSchedule | null | undefined;
  /** SETTLEMENT_TIME_ZONE, as `GET /settlements` says: where a period (a calendar day) ends. */
  timeZone: string;
  details: Readonly<Record<string, ApiSettlement>>;
  progress: Readonly<Record<string, SettlementProgress>>;
  /** Log position of each run's latest event: the view refetches a run's detail when it moves. */
  touched: Readonly<Record<string, number>>;
  /** Log position of the latest run start or completion: the list and balances are refetched on it. */
  listTouched: number;
  /** The operator's pick; null = follow the newest running run (else the newest run). */
  selectedId: string | null;
  lastPosition: number;
}

export type SettlementsAction =
  | { type: 'list-loaded'; list: SettlementList }
  | { type: 'detail-loaded'; settlement: ApiSettlement }
  | { type: 'started'; started: StartedSettlement; startedBy: string; at: string }
  | { type: 'select'; id: string | null }
  | { type: 'events'; messages: readonly EventMessage[] }
  /** This operator's approve or reject was answered: the run moves on before its events arrive. */
  | { type: 'decided'; decision: SettlementDecision; reason: string | null; at: string }
  /** This operator's release of a stopped run was answered. */
  | { type: 'released'; released: ReleasedSettlement; by: string; reason: string; at: string };

export const initialSettlementsState: SettlementsState = {
  runs: {},
  schedule: undefined,
  timeZone: 'UTC',
  details: {},
  progress: {},
  touched: {},
  listTouched: 0,
  selectedId: null,
  lastPosition: 0,
};

export const SETTLEMENT_EVENTS = new Set([
  'SettlementStarted',
  'SettlementProgress',
  'SettlementCompleted',
  'SettlementAwaitingApproval',
  'SettlementApproved',
  'SettlementRejected',
  'SettlementReleased',
]);

/** The run status each event leaves a run in (SettlementStarted and SettlementProgress: RUNNING). */
const STATUS_OF_EVENT: Record<string, string> = {
  SettlementCompleted: 'COMPLETED',
  SettlementAwaitingApproval: 'AWAITING_APPROVAL',
  SettlementApproved: 'RUNNING',
  SettlementRejected: 'REJECTED',
  SettlementReleased: 'RELEASED',
};

export function settlementsReducer(state: SettlementsState, action: SettlementsAction): SettlementsState {
  switch (action.type) {
    case 'list-loaded': {
      const runs = { ...state.runs };
      for (const run of action.list.items) runs[run.id] = mergeRun(runs[run.id], run);
      return { ...state, runs, schedule: action.list.schedule, timeZone: action.list.timeZone };
    }
    case 'detail-loaded': {
      const s = action.settlement;
      const existing = state.details[s.id];
      const details = isStaleDetail(existing, s) ? state.details : { ...state.details, [s.id]: s };
      return {
        ...state,
        details,
        runs: { ...state.runs, [s.id]: mergeRun(state.runs[s.id], summaryOf(s)) },
        progress: { ...state.progress, [s.id]: mergeProgress(state.progress[s.id], progressOfSnapshot(s)) },
      };
    }
    case 'started': {
      const { started } = action;
      // The run's row is written by the workflow's first step, moments after the 202: until the
      // list or an event brings it, a placeholder keeps the started run on screen and selected.
      const placeholder: SettlementRunSummary = {
        id: started.settlementId,
        periodEnd: started.periodEnd,
        currency: started.currency,
        status: 'RUNNING',
        trigger: 'manual',
        startedBy: action.startedBy,
        itemCount: 0,
        skippedCount: 0,
        createdAt: action.at,
        completedAt: null,
        approval: null,
      };
      const existing = state.runs[started.settlementId];
      return {
        ...state,
        runs: { ...state.runs, [started.settlementId]: existing ?? placeholder },
        selectedId: started.settlementId,
      };
    }
    case 'select':
      return { ...state, selectedId: action.id };
    case 'events':
      return applyEvents(state, action.messages);
    case 'decided': {
      const { decision, reason, at } = action;
      const existing = state.runs[decision.settlementId];
      if (!existing) return state;
      const decided: SettlementRunSummary = {
        ...existing,
        status: decision.status,
        approval: {
          reasons: [],
          deadline: '',
          ...existing.approval,
          status: decision.approval,
          decidedBy: decision.decidedBy,
          decidedAt: existing.approval?.decidedAt ?? at,
          reason: decision.approval === 'AWAITING' ? null : reason,
        },
      };
      return { ...state, runs: { ...state.runs, [existing.id]: mergeRun(existing, decided) } };
    }
    case 'released': {
      const { released, at } = action;
      const existing = state.runs[released.settlementId];
      if (!existing) return state;
      const release: SettlementRelease = {
        by: action.by,
        reason: action.reason,
        payouts: released.releasedPayouts,
        commissions: released.releasedCommissions,
        at,
      };
      const after: SettlementRunSummary = {
        ...existing,
        status: 'RELEASED',
        completedAt: existing.completedAt ?? at,
        // Released before (0 given back now): what the first release said stands.
        release: released.releasedPayouts === 0 && existing.release ? existing.release : release,
      };
      return { ...state, runs: { ...state.runs, [existing.id]: mergeRun(existing, after) } };
    }
  }
}

/**
 * How far a run has gone; it never goes back, whichever source said it last. RUNNING is the one
 * ambiguous status: a run being planned (or needing no approval), or one approved — its approval
 * says which. COMPLETED, REJECTED and RELEASED are final.
 */
const FINAL = 4;
export function runRank(status: string, approval?: ApprovalStatus | null): number {
  switch (status) {
    case 'RUNNING':
      return approval === 'APPROVED' ? 3 : 1;
    case 'AWAITING_APPROVAL':
      return 2;
    case 'COMPLETED':
    case 'REJECTED':
    case 'RELEASED':
      return FINAL;
    default:
      return 0;
  }
}

/** True when `incoming` may replace `existing`: as far or further, and never one final status by another. */
function supersedes(
  existingRank: number,
  existingStatus: string,
  incomingRank: number,
  incomingStatus: string,
) {
  if (incomingRank !== existingRank) return incomingRank > existingRank;
  return existingRank < FINAL || existingStatus === incomingStatus;
}

function mergeRun(
  existing: SettlementRunSummary | undefined,
  incoming: SettlementRunSummary,
): SettlementRunSummary {
  if (!existing) return incoming;
  const newer = supersedes(
    runRank(existing.status, existing.approval?.status),
    existing.status,
    runRank(incoming.status, incoming.approval?.status),
    incoming.status,
  );
  const [winner, other] = newer ? [incoming, existing] : [existing, incoming];
  return {
    ...incoming,
    status: winner.status,
    // Events know less of an approval than the API does: what the winner does not say, the other may.
    approval: winner.approval !== undefined ? winner.approval : other.approval,
    // A run is released once: what was first known of it (the answer's counts are the fuller) stays.
    release: existing.release ?? incoming.release,
    // 0 is the placeholder's "not planned yet", never a real count once planned.
    itemCount: Math.max(existing.itemCount, incoming.itemCount),
    skippedCount: Math.max(existing.skippedCount, incoming.skippedCount),
    completedAt: incoming.completedAt ?? existing.completedAt,
    stopped: incoming.stopped ?? existing.stopped,
  };
}

/** Snapshots may resolve out of order: an older one must not roll a run's detail back. */
function isStaleDetail(existing: ApiSettlement | undefined, incoming: ApiSettlement): boolean {
  if (!existing) return false;
  const before = runRank(existing.status, existing.approval?.status);
  const after = runRank(incoming.status, incoming.approval?.status);
  if (!supersedes(before, existing.status, after, incoming.status)) return true;
  return existing.status === incoming.status && incoming.finishedCount < existing.finishedCount;
}

/**
 * The progress bar only asks whether a run is done: every status before a final one ranks the
 * same (the newer says), a final one stays.
 */
const progressRank = (status: string): number => (runRank(status) === FINAL ? 2 : 1);
const furthest = (a: string, b: string): string =>
  supersedes(progressRank(a), a, progressRank(b), b) ? b : a;

function summaryOf(s: ApiSettlement): SettlementRunSummary {
  return {
    id: s.id,
    periodEnd: s.periodEnd,
    currency: s.currency,
    status: s.status,
    trigger: s.trigger,
    startedBy: s.startedBy,
    itemCount: s.itemCount,
    skippedCount: s.skippedCount,
    createdAt: s.createdAt,
    completedAt: s.completedAt,
    approval: s.approval,
    stopped: s.stopped,
  };
}

export function progressOfSnapshot(s: ApiSettlement): SettlementProgress {
  const byStatus: Record<string, number> = {};
  for (const t of Object.values(s.totals)) {
    for (const [status, a] of Object.entries(t.byStatus))
      byStatus[status] = (byStatus[status] ?? 0) + a.count;
  }
  return {
    status: s.status,
    itemCount: s.itemCount,
    // The workflow's counter may be a poll ahead of the read model's.
    finishedCount: Math.max(s.finishedCount, s.live?.finished ?? 0),
    byStatus,
  };
}

export function mergeProgress(
  existing: SettlementProgress | undefined,
  incoming: SettlementProgress,
): SettlementProgress {
  if (!existing) return incoming;
  return {
    status: furthest(existing.status, incoming.status),
    itemCount: Math.max(existing.itemCount, incoming.itemCount),
    finishedCount: Math.max(existing.finishedCount, incoming.finishedCount),
    // The breakdown that goes with the furthest count; on a tie the newer one.
    byStatus: incoming.finishedCount >= existing.finishedCount ? incoming.byStatus : existing.byStatus,
  };
}

function applyEvents(state: SettlementsState, messages: readonly EventMessage[]): SettlementsState {
  let { lastPosition, listTouched } = state;
  let runs: Record<string, SettlementRunSummary> | undefined;
  let progress: Record<string, SettlementProgress> | undefined;
  let touched: Record<string, number> | undefined;
  for (const m of messages) {
    if (m.position <= lastPosition) continue;
    lastPosition = m.position;
    const e = m.event;
    if (e.aggregate.type !== 'Settlement' || !SETTLEMENT_EVENTS.has(e.type)) continue;
    runs ??= { ...state.runs };
    progress ??= { ...state.progress };
    touched ??= { ...state.touched };
    const id = e.aggregate.id;
    const incoming = progressOfEvent(e);
    progress[id] = mergeProgress(progress[id], incoming);
    runs[id] = runOfEvent(runs[id], id, e, incoming);
    touched[id] = m.position;
    if (e.type !== 'SettlementProgress') listTouched = m.position;
  }
  if (lastPosition === state.lastPosition) return state;
  return {
    ...state,
    runs: runs ?? state.runs,
    progress: progress ?? state.progress,
    touched: touched ?? state.touched,
    listTouched,
    lastPosition,
  };
}

function progressOfEvent(e: StreamEvent): SettlementProgress {
  const d = e.data;
  const byStatus: Record<string, number> = {};
  if (typeof d.byStatus === 'object' && d.byStatus !== null) {
    for (const [k, v] of Object.entries(d.byStatus)) if (typeof v === 'number') byStatus[k] = v;
  }
  return {
    status: STATUS_OF_EVENT[e.type] ?? 'RUNNING',
    itemCount: num(d.itemCount),
    finishedCount: num(d.finishedCount),
    byStatus,
  };
}

function runOfEvent(
  existing: SettlementRunSummary | undefined,
  id: string,
  e: StreamEvent,
  p: SettlementProgress,
): SettlementRunSummary {
  const d = e.data;
  const fromEvent: SettlementRunSummary = {
    id,
    periodEnd: str(d.periodEnd) ?? existing?.periodEnd ?? '',
    currency: str(d.currency) ?? existing?.currency ?? null,
    status: p.status,
    trigger: str(d.trigger) ?? existing?.trigger ?? 'manual',
    startedBy: str(d.startedBy) ?? existing?.startedBy ?? '',
    itemCount: p.itemCount,
    skippedCount: num(d.skippedCount),
    // The REST row's timestamps are the record's; an event only fills them in when nothing has.
    createdAt: existing?.createdAt ?? e.occurredAt,
    completedAt: FINAL_EVENTS.has(e.type) ? (existing?.completedAt ?? e.occurredAt) : null,
    approval: approvalOfEvent(existing?.approval, e),
    release: releaseOfEvent(e),
  };
  return mergeRun(existing, fromEvent);
}

const FINAL_EVENTS = new Set(['SettlementCompleted', 'SettlementRejected', 'SettlementReleased']);

/**
 * The approval as an event leaves it: what the event does not carry (a decision's reasons and
 * deadline) is kept from what was known. A run released with `decidedBy` is one nobody decided by
 * its deadline (the workflow released it); an operator's release of a stopped run leaves its
 * approval as it was.
 */
function approvalOfEvent(
  existing: SettlementApproval | null | undefined,
  e: StreamEvent,
): SettlementApproval | null | undefined {
  const d = e.data;
  const decided = (status: ApprovalStatus): SettlementApproval => ({
    reasons: existing?.reasons ?? [],
    deadline: existing?.deadline ?? '',
    status,
    decidedBy: str(d.decidedBy) ?? null,
    decidedAt: e.occurredAt,
    reason: str(d.reason) ?? null,
  });
  switch (e.type) {
    case 'SettlementAwaitingApproval':
      return {
        status: 'AWAITING',
        reasons: Array.isArray(d.approvalReasons)
          ? d.approvalReasons.filter((r): r is string => typeof r === 'string')
          : (existing?.reasons ?? []),
        deadline: str(d.approvalDeadline) ?? existing?.deadline ?? '',
        decidedBy: null,
        decidedAt: null,
        reason: null,
      };
    case 'SettlementApproved':
      return decided('APPROVED');
    case 'SettlementRejected':
      return decided('REJECTED');
    case 'SettlementReleased':
      return str(d.decidedBy) && existing?.status !== 'APPROVED' ? decided('EXPIRED') : existing;
    default:
      return existing;
  }
}

/** An operator's release (not the workflow's own at an approval deadline). */
function releaseOfEvent(e: StreamEvent): SettlementRelease | undefined {
  const d = e.data;
  if (e.type !== 'SettlementReleased' || str(d.decidedBy)) return undefined;
  return {
    by: str(d.releasedBy) ?? '',
    reason: str(d.reason) ?? null,
    payouts: num(d.releasedCount),
    at: e.occurredAt,
  };
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Newest first, as the API lists them. */
export function sortedRuns(state: SettlementsState): SettlementRunSummary[] {
  return Object.values(state.runs).sort((a, b) =>
    a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt),
  );
}

/** The operator's pick, else the newest run that is running or awaiting approval, else the newest run. */
export function selectedRunId(state: SettlementsState): string | null {
  if (state.selectedId) return state.selectedId;
  const runs = sortedRuns(state);
  return (
    (runs.find((r) => r.status === 'RUNNING' || r.status === 'AWAITING_APPROVAL') ?? runs[0])?.id ?? null
  );
}

export interface ProgressView {
  finished: number;
  total: number;
  /** Whole percent, 0..100; 100 once COMPLETED whatever the counts say. */
  percent: number;
  done: boolean;
}

export function progressView(p: SettlementProgress | undefined, run?: SettlementRunSummary): ProgressView {
  const done = p?.status === 'COMPLETED' || run?.status === 'COMPLETED';
  const total = Math.max(p?.itemCount ?? 0, run?.itemCount ?? 0);
  const finished = Math.min(p?.finishedCount ?? 0, total);
  // Rounded down: a run at 299 of 300 reads 99 %, never a premature 100 %.
  const percent = done ? 100 : total === 0 ? 0 : Math.floor((finished * 100) / total);
  // A run completes only once every payout reached an outcome (the workflow's exit condition).
  return { finished: done ? total : finished, total, percent, done };
}

/** Payment statuses in the order a payout goes through them; anything else after. */
const STATUS_ORDER: readonly string[] = ['NOT_RECORDED', ...PAYMENT_STATUSES];
const statusRank = (s: string): number => {
  const i = STATUS_ORDER.indexOf(s);
  return i === -1 ? STATUS_ORDER.length : i;
};

export function orderedStatuses<T>(byStatus: Record<string, T>): Array<[string, T]> {
  return Object.entries(byStatus).sort(([a], [b]) => statusRank(a) - statusRank(b) || a.localeCompare(b));
}

export interface TotalsRow {
  currency: string;
  plannedCount: number;
  planned: string;
  plannedMinor: string;
  skippedCount: number;
  skipped: string;
  byStatus: Array<{ status: string; count: number; amount: string; amountMinor: string }>;
}

/** Per-currency totals as display text, in currency order; amounts never pass through a float. */
export function totalsRows(totals: Record<string, CurrencyTotals>, locale?: string): TotalsRow[] {
  return Object.keys(totals)
    .sort()
    .map((currency) => {
      const t = totals[currency]!;
      return {
        currency,
        plannedCount: t.planned.count,
        planned: formatMinorString(t.planned.amountMinor, currency, locale),
        plannedMinor: t.planned.amountMinor,
        skippedCount: t.skipped.count,
        skipped: formatMinorString(t.skipped.amountMinor, currency, locale),
        byStatus: orderedStatuses(t.byStatus).map(([status, a]) => ({
          status,
          count: a.count,
          amount: formatMinorString(a.amountMinor, currency, locale),
          amountMinor: a.amountMinor,
        })),
      };
    });
}

export const SKIP_REASON_LABELS: Record<SettlementSkipReason, string> = {
  PARTNER_SUSPENDED: 'Partner suspended',
  PARTNER_MISSING: 'Partner missing',
  PAYOUT_HOLD: 'Payout hold',
  NEGATIVE_BALANCE: 'Negative balance',
  ZERO_BALANCE: 'Zero balance',
  CURRENCY_NOT_CONFIGURED: 'Currency not configured',
  BELOW_MINIMUM: 'Below minimum',
  ABOVE_MAXIMUM: 'Above maximum',
  NO_PAYOUT_METHOD: 'No payout method',
  PAYOUT_METHOD_RETURNED: 'Last payout returned',
  TAX_FORM_MISSING: 'Tax form missing',
  TAX_FORM_PENDING_REVIEW: 'Tax form in review',
  TAX_FORM_REJECTED: 'Tax form rejected',
  TAX_FORM_EXPIRED: 'Tax form expired',
};

export const skipReasonLabel = (reason: string | null): string =>
  reason === null ? '—' : (SKIP_REASON_LABELS[reason as SettlementSkipReason] ?? reason);

/**
 * True when a balance's net does not reach its minimum: compared as integers, never floats. A
 * currency without a minimum (null) is paid by no run, so nothing reaches it.
 */
export const belowMinimum = (netMinor: string, minimumMinor: string | null): boolean =>
  minimumMinor === null || compareMinor(netMinor, minimumMinor) < 0;

/** The latest period the API settles (a later one is refused with 422): the API's own rule, in its zone. */
export const latestSettleableDay = (now: Date = new Date(), timeZone = 'UTC'): string =>
  latestEndedPeriod(now, timeZone);

export type StatementState = 'BOOKED' | 'RETURNED' | 'AWAITING_STATEMENT';

export interface StatementCounts {
  /** The run's payouts paid by bank file: only these have a statement to wait for. */
  total: number;
  parts: Array<{ state: StatementState; label: string; count: number }>;
}

/**
 * What the bank's statements said of a run's payouts, in the order an operator reads them (booked,
 * returned, still awaited); undefined when none went by bank file (nothing to show).
 */
export function statementCounts(c: ApiSettlement['reconciliation'] | undefined): StatementCounts | undefined {
  if (!c) return undefined;
  const total = c.booked + c.returned + c.awaitingStatement;
  if (total === 0) return undefined;
  return {
    total,
    parts: [
      { state: 'BOOKED', label: 'booked', count: c.booked },
      { state: 'RETURNED', label: 'returned', count: c.returned },
      { state: 'AWAITING_STATEMENT', label: 'awaiting statement', count: c.awaitingStatement },
    ],
  };
}
