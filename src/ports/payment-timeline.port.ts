/**
 * What the payment's workflow history says happened, in plain language: the engine's side of the
 * timeline (activity attempts, retries, timers, updates, signals). The API merges it with the
 * payment's own events; the reader over the Temporal client lives in infra.
 */
export type TimelineEntryKind =
  | 'workflow'
  | 'activity-scheduled'
  | 'activity-started'
  | 'activity-completed'
  | 'activity-failed'
  | 'activity-retrying'
  | 'timer-started'
  | 'timer-fired'
  | 'timer-cancelled'
  | 'update-accepted'
  | 'update-completed'
  | 'update-refused'
  | 'signal'
  | 'event';

export interface TimelineEntry {
  /** ISO-8601; entries are ordered by it (history order breaks ties). */
  at: string;
  source: 'temporal' | 'event-log';
  kind: TimelineEntryKind;
  /** One plain-language sentence, e.g. "Pay out through the bank: attempt 2 failed". */
  label: string;
  /** The activity type, update, signal or event name the entry is about. */
  name?: string;
  attempt?: number;
  /** The last failure message (activity or update). */
  failure?: string;
  /** When a retrying activity is tried next, or when a timer fires. */
  nextAt?: string;
  /** The history event id, for finding the same line in the Web UI. */
  historyEventId?: number;
  /** The event log position, for our own events. */
  position?: number;
}

export interface WorkflowTimeline {
  /** `deleted` when the server no longer has the history (retention); entries are then ours only. */
  history: 'available' | 'deleted';
  /** RUNNING, COMPLETED, …; undefined when the history is gone. */
  workflowStatus?: string;
  runId?: string;
  entries: TimelineEntry[];
}

export interface PaymentTimelineReader {
  read(paymentId: string): Promise<WorkflowTimeline>;
}
