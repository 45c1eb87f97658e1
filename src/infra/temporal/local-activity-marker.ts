import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The marker the SDK's core writes for a local activity's outcome (there are no activity task events). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export interface LocalActivityMarker {
  activityType: string;
  /** Attempts made before the outcome was recorded (1 when the first attempt settled it). */
  attempt: number;
  /** When the local activity settled, as the worker saw it. */
  completedAt: Date | undefined;
  /** Set when the local activity failed for good: the failure as recorded (possibly codec-encoded). */
  failure: temporal.api.failure.v1.IFailure | undefined;
}

interface MarkerData {
  activity_type?: unknown;
  attempt?: unknown;
  complete_time?: unknown;
}

/**
 * A local activity's marker, read from its `data` detail: JSON the SDK writes itself (never through
 * the payload codec). Anything else, including a marker this code cannot read, is `undefined`.
 */
export function localActivityMarker(event: HistoryEvent): LocalActivityMarker | undefined {
  const attrs = event.markerRecordedEventAttributes;
  if (!attrs || attrs.markerName !== LOCAL_ACTIVITY_MARKER) return undefined;
  const raw = attrs.details?.data?.payloads?.[0]?.data;
  if (!raw) return undefined;
  let data: MarkerData;
  try {
    data = JSON.parse(Buffer.from(raw).toString('utf8')) as MarkerData;
  } catch {
    return undefined;
  }
  if (typeof data.activity_type !== 'string') return undefined;
  return {
    activityType: data.activity_type,
    attempt: typeof data.attempt === 'number' && data.attempt > 0 ? data.attempt : 1,
    completedAt: timestamp(data.complete_time),
    failure: attrs.failure ?? undefined,
  };
}

/** The SDK writes timestamps as `{ seconds, nanos }`. */
function timestamp(value: unknown): Date | undefined {
  const t = value as { seconds?: unknown; nanos?: unknown } | null | undefined;
  if (!t || typeof t.seconds !== 'number') return undefined;
  const nanos = typeof t.nanos === 'number' ? t.nanos : 0;
  return new Date(t.seconds * 1000 + Math.floor(nanos / 1e6));
}
