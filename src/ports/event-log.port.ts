import type { DomainEvent } from '../domain/domain-event';

/** An event as the log holds it: its global position and the workflow execution that wrote it. */
export interface StoredEvent extends DomainEvent {
  position: number;
  workflowId: string | null;
  runId: string | null;
}

export interface ReadEventsOptions {
  afterPosition?: number;
  /** Inclusive upper bound: lets a reader stop at a position it knows every event up to is visible. */
  throughPosition?: number;
  aggregateType?: string;
  aggregateId?: string;
  partnerId?: string;
  limit?: number;
}

/** Reads the event log in position order; implemented over the database in infra. */
export interface EventLogReader {
  read(opts: ReadEventsOptions): Promise<StoredEvent[]>;
  /** The highest position in the log (0 when empty): where a reader that wants only new events starts. */
  lastPosition(): Promise<number>;
}

/**
 * Wakes readers of the event log when something may have been appended. A wake-up carries no data:
 * readers always go back to the log ("position > last seen"), so a spurious, coalesced or duplicated
 * wake-up costs one query and a missed one is repaired by the next (or by the reader's own poll).
 */
export interface EventNotifier {
  /** Registers a listener; the returned function removes it. Listeners must be cheap and not throw. */
  subscribe(listener: () => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Where an event was produced, so the log can be correlated with Temporal executions. */
export interface EventMetadata {
  workflowId: string | null;
  runId: string | null;
}

export interface EventLog {
  append(events: DomainEvent[], meta: EventMetadata): Promise<void>;
  /** Whether an event with this id is already in the log (a retried step that did commit). */
  has(eventId: string): Promise<boolean>;
}
