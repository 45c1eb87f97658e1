import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { localActivityMarker } from '../../src/infra/temporal/local-activity-marker';
import { summarize, type Summary } from './stats';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const T = temporal.api.enums.v1.EventType;

/**
 * Where a workflow's time goes, read from its Temporal history (event timestamps only: payloads
 * stay encrypted and unread). For each workflow, between its start and an end marker (the payment's
 * `completePayment` result, the baseline's close), the time is split into
 * - activity queue time (scheduled → started: matching, poll, slot),
 * - activity run time (started → completed: the activity's own work, e.g. DB transactions, HTTP),
 * - workflow task queue time and run time (the workflow code and the SDK, on the worker),
 * - the rest (server time between one task's completion and the next being scheduled, ~0).
 * Activities that run beside the main chain (the payment's partner notices) overlap it, so they are
 * profiled per type but left out of the split.
 */
export interface HistoryProfile {
  workflows: number;
  /** Per workflow: history length, activities by type, payloads and their bytes (whole history). */
  eventsPerWorkflow: number;
  activitiesPerWorkflow: Record<string, number>;
  /** The part of `activitiesPerWorkflow` that ran as local activities (a marker each, no activity task). */
  localActivitiesPerWorkflow: Record<string, number>;
  workflowTasksPerWorkflow: number;
  eventTypesPerWorkflow: Record<string, number>;
  payloadsPerWorkflow: number;
  payloadBytesPerWorkflow: number;
  encryptedPayloadsPerWorkflow: number;
  /** Within the window start → end marker, medians over workflows (ms). */
  spanMs: Summary;
  medianSplitMs: {
    activityQueue: number;
    activityRun: number;
    workflowTaskQueue: number;
    workflowTaskRun: number;
    other: number;
  };
  /** Per activity type: scheduled → started and started → completed (ms). */
  activities: Record<string, { queueMs: Summary; runMs: Summary }>;
  workflowTask: { queueMs: Summary; runMs: Summary };
}

function tsMs(ts: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  if (!ts) return Number.NaN;
  const s = ts.seconds as unknown;
  const seconds =
    typeof s === 'number'
      ? s
      : s && typeof (s as { toNumber?: unknown }).toNumber === 'function'
        ? (s as { toNumber(): number }).toNumber()
        : Number(s ?? 0);
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

const eventName = (t: number | null | undefined): string =>
  (T[t ?? 0] ?? String(t)).replace(/^EVENT_TYPE_/, '');

/** Counts payload objects (anything with `metadata` and `data`) and their bytes, anywhere in an event. */
function countPayloads(
  value: unknown,
  acc: { n: number; bytes: number; encrypted: number },
  depth = 0,
): void {
  if (!value || typeof value !== 'object' || depth > 12) return;
  if (ArrayBuffer.isView(value)) return;
  const rec = value as Record<string, unknown>;
  if ('metadata' in rec && 'data' in rec && rec.data && ArrayBuffer.isView(rec.data)) {
    acc.n += 1;
    acc.bytes += (rec.data as Uint8Array).byteLength;
    const enc = (rec.metadata as Record<string, Uint8Array> | undefined)?.encoding;
    if (enc && Buffer.from(enc).toString() === 'binary/encrypted') acc.encrypted += 1;
    return;
  }
  for (const v of Object.values(rec)) countPayloads(v, acc, depth + 1);
}

export type EndMarker = 'workflow-closed' | { activityCompleted: string };

export async function profileHistories(
  client: Client,
  workflowIds: string[],
  end: EndMarker,
  /** Activities that run beside the main chain (their time overlaps it): left out of the split. */
  side: string[] = [],
): Promise<HistoryProfile> {
  const activityQueue = new Map<string, number[]>();
  const activityRun = new Map<string, number[]>();
  const wftQueue: number[] = [];
  const wftRun: number[] = [];
  const spans: number[] = [];
  const splits = {
    activityQueue: [] as number[],
    activityRun: [] as number[],
    wftQueue: [] as number[],
    wftRun: [] as number[],
    other: [] as number[],
  };
  const activityCounts: Record<string, number> = {};
  const localCounts: Record<string, number> = {};
  const eventCounts: Record<string, number> = {};
  let events = 0;
  let wfts = 0;
  const payloads = { n: 0, bytes: 0, encrypted: 0 };
  let profiled = 0;

  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const list: HistoryEvent[] = history.events ?? [];
    if (list.length === 0) continue;
    profiled += 1;
    events += list.length;
    const byId = new Map<number, HistoryEvent>();
    for (const e of list) {
      byId.set(Number(e.eventId), e);
      const name = eventName(e.eventType);
      eventCounts[name] = (eventCounts[name] ?? 0) + 1;
      countPayloads(e, payloads);
    }
    const start = tsMs(list[0]!.eventTime);
    let endAt = Number.NaN;
    for (const e of list) {
      if (end === 'workflow-closed' && e.eventType === T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) {
        endAt = tsMs(e.eventTime);
      }
      const local = localActivityMarker(e);
      if (end !== 'workflow-closed' && local?.activityType === end.activityCompleted && !local.failure) {
        endAt = local.completedAt ? local.completedAt.getTime() : tsMs(e.eventTime);
      }
      if (end !== 'workflow-closed' && e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        const sched = byId.get(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId));
        if (sched?.activityTaskScheduledEventAttributes?.activityType?.name === end.activityCompleted) {
          endAt = tsMs(e.eventTime);
        }
      }
    }
    if (!Number.isFinite(endAt)) continue;
    const split = { activityQueue: 0, activityRun: 0, wftQueue: 0, wftRun: 0 };
    for (const e of list) {
      const local = localActivityMarker(e);
      if (local) {
        activityCounts[local.activityType] = (activityCounts[local.activityType] ?? 0) + 1;
        localCounts[local.activityType] = (localCounts[local.activityType] ?? 0) + 1;
      }
      if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        const type = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        activityCounts[type] = (activityCounts[type] ?? 0) + 1;
      }
      if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        const sched = byId.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
        const type = sched?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        const q = tsMs(e.eventTime) - tsMs(sched?.eventTime);
        push(activityQueue, type, q);
        if (tsMs(e.eventTime) <= endAt && !side.includes(type)) split.activityQueue += q;
      }
      if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        const started = byId.get(Number(e.activityTaskCompletedEventAttributes?.startedEventId));
        const sched = byId.get(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId));
        const type = sched?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        const r = tsMs(e.eventTime) - tsMs(started?.eventTime);
        push(activityRun, type, r);
        if (tsMs(e.eventTime) <= endAt && !side.includes(type)) split.activityRun += r;
      }
      if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
        wfts += 1;
        const sched = byId.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId));
        const q = tsMs(e.eventTime) - tsMs(sched?.eventTime);
        wftQueue.push(q);
        if (tsMs(e.eventTime) <= endAt) split.wftQueue += q;
      }
      if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        const started = byId.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId));
        const r = tsMs(e.eventTime) - tsMs(started?.eventTime);
        wftRun.push(r);
        if (tsMs(e.eventTime) <= endAt) split.wftRun += r;
      }
    }
    const span = endAt - start;
    spans.push(span);
    splits.activityQueue.push(split.activityQueue);
    splits.activityRun.push(split.activityRun);
    splits.wftQueue.push(split.wftQueue);
    splits.wftRun.push(split.wftRun);
    splits.other.push(span - split.activityQueue - split.activityRun - split.wftQueue - split.wftRun);
  }

  const per = (v: number): number => (profiled ? Math.round((v / profiled) * 100) / 100 : 0);
  const activities: HistoryProfile['activities'] = {};
  for (const [type, q] of activityQueue) {
    activities[type] = { queueMs: summarize(q), runMs: summarize(activityRun.get(type) ?? []) };
  }
  const med = (v: number[]): number => summarize(v).p50;
  return {
    workflows: profiled,
    eventsPerWorkflow: per(events),
    activitiesPerWorkflow: Object.fromEntries(Object.entries(activityCounts).map(([k, v]) => [k, per(v)])),
    localActivitiesPerWorkflow: Object.fromEntries(Object.entries(localCounts).map(([k, v]) => [k, per(v)])),
    workflowTasksPerWorkflow: per(wfts),
    eventTypesPerWorkflow: Object.fromEntries(Object.entries(eventCounts).map(([k, v]) => [k, per(v)])),
    payloadsPerWorkflow: per(payloads.n),
    payloadBytesPerWorkflow: per(payloads.bytes),
    encryptedPayloadsPerWorkflow: per(payloads.encrypted),
    spanMs: summarize(spans),
    medianSplitMs: {
      activityQueue: med(splits.activityQueue),
      activityRun: med(splits.activityRun),
      workflowTaskQueue: med(splits.wftQueue),
      workflowTaskRun: med(splits.wftRun),
      other: med(splits.other),
    },
    activities,
    workflowTask: { queueMs: summarize(wftQueue), runMs: summarize(wftRun) },
  };
}

/** One workflow's history as a list of event names (activity types and timer/signal details inline). */
export async function historySequence(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const byId = new Map<number, HistoryEvent>();
  return (history.events ?? []).map((e) => {
    byId.set(Number(e.eventId), e);
    const name = eventName(e.eventType);
    const scheduled =
      e.activityTaskScheduledEventAttributes ??
      byId.get(
        Number(
          e.activityTaskCompletedEventAttributes?.scheduledEventId ??
            e.activityTaskStartedEventAttributes?.scheduledEventId,
        ),
      )?.activityTaskScheduledEventAttributes;
    const local = localActivityMarker(e);
    if (local) return `${name}(local ${local.activityType})`;
    return scheduled?.activityType?.name ? `${name}(${scheduled.activityType.name})` : name;
  });
}

function push(map: Map<string, number[]>, key: string, v: number): void {
  const list = map.get(key);
  if (list) list.push(v);
  else map.set(key, [v]);
}

/** Evenly spaced picks from a list (every workflow of a phase would take too long to fetch). */
export function spread<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}
