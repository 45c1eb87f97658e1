import {
  PAYMENT_STATUSES,
  type Payment,
  type PaymentLine as ContractPaymentLine,
} from '../../api/contract/api-contract.types';
import type { EventMessage, StreamEvent } from '../stream-protocol';

/**
 * The dashboard's state and its one reducer: pure, so the merge rules (REST snapshot vs. live
 * events, de-duplication by log position, stale-event protection by aggregate version) are unit
 * tested without a browser.
 */

/** Display order of the status filter: the domain's own list, through the API contract. */
export { PAYMENT_STATUSES };

export type PaymentLine = ContractPaymentLine;

/**
 * A payment as the REST API answers it (`GET /payments`, action answers), or the part of one the
 * create form knows before the first snapshot: the identity and amount, the rest when known.
 */
export type ApiPayment = Pick<Payment, 'id' | 'partnerId' | 'currency' | 'totalMinor' | 'status'> &
  Partial<Payment>;

export interface PaymentRow {
  id: string;
  partnerId: string;
  currency: string;
  /** Integer minor units of `currency`; never a float. */
  totalMinor: number;
  status: string;
  /** Aggregate version of what we show; 0 = optimistic row from the create form. */
  version: number;
  createdAt: string;
  updatedAt: string;
  lines: PaymentLine[];
  createdBy: string | null;
  approvedBy: string | null;
  decidedBy: string | null;
  reason: string | null;
  workflowId: string | null;
  runId: string | null;
  temporalUiUrl: string | null;
}

export interface FeedEntry {
  position: number;
  event: StreamEvent;
}

export interface DashboardState {
  payments: Readonly<Record<string, PaymentRow>>;
  /** Latest events, newest first, at most FEED_LIMIT. */
  feed: readonly FeedEntry[];
  /** Notification events per payment id, oldest first. */
  notifications: Readonly<Record<string, readonly FeedEntry[]>>;
  /** The payment's own events as streamed, oldest first: its timeline in the detail row. */
  history: Readonly<Record<string, readonly FeedEntry[]>>;
  /** Highest log position applied; anything at or below it is a duplicate. */
  lastPosition: number;
}

export type DashboardAction =
  | { type: 'payments-loaded'; items: readonly ApiPayment[] }
  | { type: 'payment-updated'; payment: ApiPayment }
  | { type: 'events'; messages: readonly EventMessage[] }
  /** Another key signed in: what the previous one could see is not this one's to show. */
  | { type: 'reset' };

export const FEED_LIMIT = 100;
const PER_PAYMENT_LIMIT = 50;

export const initialDashboardState: DashboardState = {
  payments: {},
  feed: [],
  notifications: {},
  history: {},
  lastPosition: 0,
};

export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case 'reset':
      return initialDashboardState;
    case 'payments-loaded': {
      const payments = { ...state.payments };
      for (const item of action.items) payments[item.id] = mergeApiPayment(payments[item.id], item);
      return { ...state, payments };
    }
    case 'payment-updated':
      return {
        ...state,
        payments: {
          ...state.payments,
          [action.payment.id]: mergeApiPayment(state.payments[action.payment.id], action.payment),
        },
      };
    case 'events':
      return applyEvents(state, action.messages);
  }
}

function mergeApiPayment(existing: PaymentRow | undefined, p: ApiPayment): PaymentRow {
  const incomingVersion = p.version ?? 0;
  // An older snapshot (e.g. a list fetched before the last event arrived) must not roll a row back.
  if (existing && existing.version > incomingVersion) {
    return {
      ...existing,
      lines: existing.lines.length ? existing.lines : (p.lines ?? []),
      createdBy: existing.createdBy ?? p.createdBy ?? null,
      temporalUiUrl: existing.temporalUiUrl ?? p.temporalUiUrl ?? null,
      workflowId: existing.workflowId ?? p.workflowId ?? null,
    };
  }
  const now = new Date().toISOString();
  return {
    id: p.id,
    partnerId: p.partnerId,
    currency: p.currency,
    totalMinor: p.totalMinor,
    status: p.status,
    version: Math.max(incomingVersion, existing?.version ?? 0),
    createdAt: p.createdAt ?? existing?.createdAt ?? now,
    updatedAt: p.updatedAt ?? existing?.updatedAt ?? now,
    lines: p.lines?.length ? p.lines : (existing?.lines ?? []),
    createdBy: p.createdBy ?? existing?.createdBy ?? null,
    approvedBy: p.approvedBy ?? existing?.approvedBy ?? null,
    decidedBy: p.decidedBy ?? existing?.decidedBy ?? null,
    reason: p.reason ?? existing?.reason ?? null,
    workflowId: p.workflowId ?? existing?.workflowId ?? null,
    runId: p.runId ?? existing?.runId ?? null,
    temporalUiUrl: p.temporalUiUrl ?? existing?.temporalUiUrl ?? null,
  };
}

function applyEvents(state: DashboardState, messages: readonly EventMessage[]): DashboardState {
  let lastPosition = state.lastPosition;
  const fresh: FeedEntry[] = [];
  for (const m of messages) {
    if (m.position <= lastPosition) continue;
    lastPosition = m.position;
    fresh.push({ position: m.position, event: m.event });
  }
  if (fresh.length === 0) return state;

  const payments = { ...state.payments };
  const notifications = { ...state.notifications };
  const history = { ...state.history };
  for (const entry of fresh) {
    const paymentId = str(entry.event.data.paymentId);
    if (!paymentId) continue;
    if (entry.event.aggregate.type === 'Notification') {
      notifications[paymentId] = [...(notifications[paymentId] ?? []), entry].slice(-PER_PAYMENT_LIMIT);
    } else if (entry.event.aggregate.type === 'Payment') {
      history[paymentId] = [...(history[paymentId] ?? []), entry].slice(-PER_PAYMENT_LIMIT);
      const row = applyPaymentEvent(payments[paymentId], paymentId, entry.event);
      if (row) payments[paymentId] = row;
    }
  }
  const feed = [...fresh.reverse(), ...state.feed].slice(0, FEED_LIMIT);
  return { payments, notifications, history, feed, lastPosition };
}

function applyPaymentEvent(row: PaymentRow | undefined, id: string, e: StreamEvent): PaymentRow | undefined {
  const d = e.data;
  const version = typeof d.version === 'number' ? d.version : undefined;
  const lines = Array.isArray(d.lines) ? (d.lines as PaymentLine[]) : undefined;
  const createdBy = str(d.createdBy) ?? null;
  // Replayed history older than what the REST snapshot showed: keep the row, take only facts it lacks.
  if (row && version !== undefined && version <= row.version) {
    return {
      ...row,
      lines: row.lines.length ? row.lines : (lines ?? []),
      createdBy: row.createdBy ?? createdBy,
      workflowId: row.workflowId ?? e.workflowId,
      runId: row.runId ?? e.runId,
    };
  }
  const status = str(d.status);
  const currency = str(d.currency) ?? row?.currency;
  const partnerId = str(d.partnerId) ?? e.partnerId ?? row?.partnerId;
  const totalMinor = typeof d.amountMinor === 'number' ? d.amountMinor : row?.totalMinor;
  if (!status || !currency || !partnerId || totalMinor === undefined) return row;
  const actor = str(d.actor) ?? null;
  const reason = d.reason === undefined ? (row?.reason ?? null) : (str(d.reason) ?? null);
  return {
    id,
    partnerId,
    currency,
    totalMinor,
    status,
    version: version ?? row?.version ?? 0,
    createdAt: row?.createdAt ?? e.occurredAt,
    updatedAt: e.occurredAt,
    lines: row?.lines.length ? row.lines : (lines ?? []),
    createdBy: row?.createdBy ?? createdBy,
    approvedBy: e.type === 'PaymentApproved' ? actor : (row?.approvedBy ?? null),
    decidedBy: DECISION_EVENTS.has(e.type) ? actor : (row?.decidedBy ?? null),
    reason,
    workflowId: row?.workflowId ?? e.workflowId,
    runId: row?.runId ?? e.runId,
    temporalUiUrl: row?.temporalUiUrl ?? null,
  };
}

const DECISION_EVENTS = new Set([
  'PaymentApproved',
  'PaymentRejected',
  'PaymentCancelled',
  'PaymentRefunded',
]);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export interface PaymentFilter {
  partnerId: string;
  status: string;
}

/** Newest first; empty filter fields match everything. */
export function visiblePayments(state: DashboardState, filter: PaymentFilter): PaymentRow[] {
  return Object.values(state.payments)
    .filter(
      (p) =>
        (!filter.partnerId || p.partnerId === filter.partnerId) &&
        (!filter.status || p.status === filter.status),
    )
    .sort((a, b) =>
      a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt),
    );
}

export function statusCounts(state: DashboardState): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of Object.values(state.payments)) counts[p.status] = (counts[p.status] ?? 0) + 1;
  return counts;
}

/** The actions the workflow accepts in each status; the server stays the judge (a 409 is still shown). */
export function availableActions(status: string): Array<'approve' | 'reject' | 'cancel' | 'refund'> {
  switch (status) {
    case 'AWAITING_APPROVAL':
      return ['approve', 'reject', 'cancel'];
    case 'PENDING':
      return ['cancel'];
    case 'COMPLETED':
      return ['refund'];
    default:
      return [];
  }
}
