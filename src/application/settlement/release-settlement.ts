import { DomainError, ErrorCodes } from '../../domain/domain-error';
import { settlementEvent } from '../../domain/settlement-events';
import type { AuditStamp } from '../../ports/audit.port';
import type { SettlementCommands } from '../../ports/settlement.port';
import type { UnitOfWork } from '../../ports/unit-of-work.port';
import { auditedTransaction } from '../audited-transaction';

export interface ReleasedSettlement {
  settlementId: string;
  status: 'RELEASED';
  /** Payouts given back now (0 when the run was released before). */
  releasedPayouts: number;
  releasedCommissions: number;
}

/**
 * Gives back what a stopped run (failed, terminated, timed out) had not started: its unstarted
 * payouts are released and their commissions PAYABLE again, for the next run. Payouts already
 * started keep going. A running run is refused (stop it first, or let it finish); a released run
 * answers as it stands. The audit entry commits with the release.
 */
export async function releaseSettlement(
  deps: { uow: UnitOfWork; commands: SettlementCommands; clock?: () => Date },
  input: { settlementId: string; actor: string; reason: string; audit?: AuditStamp },
): Promise<ReleasedSettlement> {
  const { settlementId } = input;
  if (await deps.commands.isRunning(settlementId)) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_RUNNING,
      `the run ${settlementId} is running: let it finish, or stop it (terminate its workflow) before releasing it`,
    );
  }
  const now = (deps.clock ?? (() => new Date()))();
  return auditedTransaction(deps.uow, input.audit, async (tx, audit) => {
    const run = await tx.settlements.find(settlementId);
    if (!run)
      throw new DomainError(ErrorCodes.SETTLEMENT_NOT_FOUND, `no settlement run with id ${settlementId}`);
    if (run.status === 'COMPLETED') {
      throw new DomainError(
        ErrorCodes.SETTLEMENT_ALREADY_SETTLED,
        `the run ${settlementId} completed: every payout of it has an outcome, nothing is left to release`,
      );
    }
    if (run.status === 'RELEASED') {
      return { settlementId, status: 'RELEASED', releasedPayouts: 0, releasedCommissions: 0 };
    }
    const released = await tx.settlements.releaseUnstarted(settlementId, now.toISOString());
    const before = { status: run.status };
    run.status = 'RELEASED';
    run.updatedAt = now.toISOString();
    run.completedAt = now.toISOString();
    await tx.settlements.update(run);
    await tx.events.append(
      [
        settlementEvent(
          'SettlementReleased',
          {
            settlementId,
            periodEnd: run.periodEnd,
            currency: run.currency,
            itemCount: run.itemCount,
            skippedCount: run.skippedCount,
            releasedBy: input.actor,
            reason: input.reason,
            releasedCount: released.payouts,
          },
          now,
        ),
      ],
      { workflowId: null, runId: null },
    );
    await audit({
      targetId: settlementId,
      before,
      after: { status: run.status, reason: input.reason, ...released },
    });
    return {
      settlementId,
      status: 'RELEASED',
      releasedPayouts: released.payouts,
      releasedCommissions: released.commissions,
    };
  });
}
