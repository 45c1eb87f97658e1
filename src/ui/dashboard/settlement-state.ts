import { latestEndedPeriod } from '../../api/contract/api-contract.types';
import type { SkipReason } from '../../domain/settlement-plan';
import {
  PAYMENT_STATUSES,
  type Settlement,
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
export type SettlementRunSummary = Omit<SettlementRun, 'status' | 'trigger' | 'updatedAt' | 'approval'> & {
  status: string;
  trigger: string;
  /** Known from the API's list and snapshots; a run seen only through events has none yet. */
  approval?: SettlementRun['approval'];
};
export type ApiSettlement = Settlement;
export type DryRunResult = SettlementDryRun;
export type { SettlementItem, SettlementList, SettlementSchedule, StartedSettlement };
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
  | { type: 'events'; messages: readonly EventMessage[] };

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

export const SETTLEMENT_EVENTS = new Set(['SettlementStarted', 'SettlementProgress', 'SettlementCompleted']);

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
  }
}

const STATUS_RANK: Record<string, number> = { RUNNING: 1, COMPLETED: 2 };
const furthest = (a: string, b: string): string => ((STATUS_RANK[b] ?? 0) >= (STATUS_RANK[a] ?? 0) ? b : a);

function mergeRun(
  existing: SettlementRunSummary | undefined,
  incoming: SettlementRunSummary,
): SettlementRunSummary {
  if (!existing) return incoming;
  return {
    ...incoming,
    status: furthest(existing.status, incoming.status),
    // 0 is the placeholder's "not planned yet", never a real count once planned.
    itemCount: Math.max(existing.itemCount, incoming.itemCount),
    skippedCount: Math.max(existing.skippedCount, incoming.skippedCount),
    completedAt: incoming.completedAt ?? existing.completedAt,
  };
}

/** Snapshots may resolve out of order: an older one must not roll a run's detail back. */
function isStaleDetail(existing: ApiSettlement | undefined, incoming: ApiSettlement): boolean {
  if (!existing) return false;
  if (existing.status === 'COMPLETED' && incoming.status !== 'COMPLETED') return true;
  return existing.status === incoming.status && incoming.finishedCount < existing.finishedCount;
}

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
    status: e.type === 'SettlementCompleted' ? 'COMPLETED' : 'RUNNING',
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
    completedAt: e.type === 'SettlementCompleted' ? (existing?.completedAt ?? e.occurredAt) : null,
  };
  return mergeRun(existing, fromEvent);
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Newest first, as the API lists them. */
export function sortedRuns(state: SettlementsState): SettlementRunSummary[] {
  return Object.values(state.runs).sort((a, b) =>
    a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt),
  );
}

/** The operator's pick, else the newest running run, else the newest run. */
export function selectedRunId(state: SettlementsState): string | null {
  if (state.selectedId) return state.selectedId;
  const runs = sortedRuns(state);
  return (runs.find((r) => r.status === 'RUNNING') ?? runs[0])?.id ?? null;
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

export const SKIP_REASON_LABELS: Record<SkipReason, string> = {
  PARTNER_SUSPENDED: 'Partner suspended',
  PARTNER_MISSING: 'Partner missing',
  PAYOUT_HOLD: 'Payout hold',
  NEGATIVE_BALANCE: 'Negative balance',
  ZERO_BALANCE: 'Zero balance',
  CURRENCY_NOT_CONFIGURED: 'Currency not configured',
  BELOW_MINIMUM: 'Below minimum',
  ABOVE_MAXIMUM: 'Above maximum',
};

export const skipReasonLabel = (reason: string | null): string =>
  reason === null ? '—' : (SKIP_REASON_LABELS[reason as SkipReason] ?? reason);

/**
 * True when a balance's net does not reach its minimum: compared as integers, never floats. A
 * currency without a minimum (null) is paid by no run, so nothing reaches it.
 */
export const belowMinimum = (netMinor: string, minimumMinor: string | null): boolean =>
  minimumMinor === null || compareMinor(netMinor, minimumMinor) < 0;

/** The latest period the API settles (a later one is refused with 422): the API's own rule, in its zone. */
export const latestSettleableDay = (now: Date = new Date(), timeZone = 'UTC'): string =>
  latestEndedPeriod(now, timeZone);
