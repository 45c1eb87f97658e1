import { DomainError } from '../../domain/domain-error';
import {
  ReconciliationErrorCodes,
  type ExceptionResolution,
  type ResolveOutcome,
} from '../../domain/reconciliation-exception.aggregate';
import type { AuditStamp } from '../../ports/audit.port';
import type { ReconciliationUnitOfWork } from '../../ports/reconciliation.port';
import { auditedTransaction } from '../audited-transaction';

/**
 * An operator resolves an exception with a reason; a write-off above the threshold needs a second
 * operator (the first one's call leaves it AWAITING_SECOND_APPROVAL). The audit entry commits with
 * the change; the exception is kept.
 */
export async function resolveException(
  deps: { uow: ReconciliationUnitOfWork; fourEyesAboveMinor: number; clock?: () => Date },
  input: { id: number; actor: string; resolution: ExceptionResolution; reason: string; audit?: AuditStamp },
): Promise<{ id: number; status: ResolveOutcome }> {
  const now = (deps.clock ?? (() => new Date()))();
  return auditedTransaction(deps.uow, input.audit, async (tx, audit) => {
    const exception = await tx.reconciliation.findException(input.id);
    if (!exception)
      throw new DomainError(
        ReconciliationErrorCodes.EXCEPTION_NOT_FOUND,
        `no reconciliation exception ${input.id}`,
      );
    const before = exception.toSnapshot();
    const status = exception.resolve({
      actor: input.actor,
      resolution: input.resolution,
      reason: input.reason,
      fourEyesAboveMinor: BigInt(deps.fourEyesAboveMinor),
      now,
    });
    await tx.reconciliation.saveException(exception);
    const after = exception.toSnapshot();
    await audit({
      targetId: String(input.id),
      before: { status: before.status, proposedBy: before.proposedBy },
      after: {
        status: after.status,
        resolution: after.resolution,
        reason: after.reason,
        proposedBy: after.proposedBy,
        resolvedBy: after.resolvedBy,
        writeOffMinor: exception.writeOffMinor().toString(),
      },
      outcomeStatus: status === 'RESOLVED' ? 200 : 202,
    });
    return { id: input.id, status };
  });
}
