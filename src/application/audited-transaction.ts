import type { AuditStamp, AuditWriter } from '../ports/audit.port';

/** What a change tells its audit entry: the target, and the target before and after (masked). */
export interface AuditedChange {
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  /** When the answer depends on what the change found (created, or there already). */
  outcomeStatus?: number;
}

/**
 * One unit of work whose audit entry commits with it: `work` calls `audit(change)` once it knows
 * what it changed, and the entry is written in the same transaction. The stamp is marked committed
 * only after the commit, so the edge writes the entry itself when the transaction rolled back.
 * Any unit of work whose scope writes audit entries (the main one, reconciliation's).
 */
export async function auditedTransaction<S extends { audit: AuditWriter }, T>(
  uow: { run<R>(work: (tx: S) => Promise<R>): Promise<R> },
  stamp: AuditStamp | undefined,
  work: (tx: S, audit: (change: AuditedChange) => Promise<void>) => Promise<T>,
): Promise<T> {
  let written = false;
  const result = await uow.run((tx) => {
    written = false;
    return work(tx, async (change) => {
      if (!stamp) return;
      await tx.audit.append({
        ...stamp.draft,
        targetId: change.targetId !== undefined ? change.targetId : stamp.draft.targetId,
        before: change.before ?? null,
        after: change.after ?? null,
        outcomeStatus: change.outcomeStatus ?? stamp.draft.outcomeStatus,
      });
      written = true;
    });
  });
  if (stamp && written) stamp.committed = true;
  return result;
}
