import type { Role } from './principal';

/**
 * The audit log: who did what to what, when, from where, and how it ended. Written by the API for
 * every state-changing call; read by admins. Append-only: the port has no way to change or remove
 * an entry, and the database refuses it too (migration 010).
 */
export interface AuditEntry {
  occurredAt: string;
  actor: { name: string; role: Role; partnerId: string | null };
  /** Stable dotted name, e.g. `payment.approve`, `partner.update`, `notification.redeliver`. */
  action: string;
  targetType: string;
  targetId: string | null;
  method: string;
  path: string;
  clientAddress: string | null;
  requestId: string | null;
  /** The HTTP status of the answer: what happened (2xx) or why not (4xx, 5xx). */
  outcomeStatus: number;
  /** The target before and after the change, as the API shows it (masked), where recorded (partners). */
  before: unknown;
  after: unknown;
}

export interface AuditRecord extends AuditEntry {
  /** Position in the log (increasing). */
  id: string;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: string;
  until?: string;
  limit: number;
  /** Entries before this position (the previous page's last), newest first. */
  beforeId?: string;
}

/** Appends entries; inside a unit of work, in its transaction (see AuditStamp). */
export interface AuditWriter {
  append(entry: AuditEntry): Promise<void>;
}

export interface AuditLog extends AuditWriter {
  list(filter: AuditFilter): Promise<AuditRecord[]>;
}

/**
 * An audited call as the edge knows it before it runs (who, what, from where, and the status it
 * answers when it succeeds). A use case that changes the database writes the entry from it in its
 * own transaction, so the entry commits with the change and a crash cannot separate them; the edge
 * then writes nothing more. Calls that fail, or change nothing of ours, are audited by the edge
 * once their answer is out.
 */
export interface AuditStamp {
  draft: Omit<AuditEntry, 'targetId' | 'before' | 'after'> & { targetId: string | null };
  /** Set once the entry is committed with the change. */
  committed: boolean;
}
