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

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  list(filter: AuditFilter): Promise<AuditRecord[]>;
}
