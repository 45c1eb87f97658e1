import type { AuditStamp } from '../../ports/audit.port';
import type {
  ReconciliationTransactionScope,
  ReconciliationUnitOfWork,
} from '../../ports/reconciliation.port';
import type { AuditedChange } from '../audited-transaction';

/**
 * auditedTransaction's contract over reconciliation's unit of work: the audit entry commits with
 * the change, and the stamp is marked committed only after the commit.
 */
export async function auditedReconciliation<T>(
  uow: ReconciliationUnitOfWork,
  stamp: AuditStamp | undefined,
  work: (tx: ReconciliationTransactionScope, audit: (change: AuditedChange) => Promise<void>) => Promise<T>,
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
