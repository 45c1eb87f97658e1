import { DomainError, ErrorCodes } from '../../domain/domain-error';
import type { RunDecisionAction } from '../../domain/settlement-approval';
import type { RunDecisionView, SettlementCommands, SettlementReads } from '../../ports/settlement.port';

/**
 * A second operator approves or rejects a run awaiting approval. Checked here first so a refusal
 * needs no round trip (not found, not awaiting, the run's own starter, a rejection without a
 * reason); the run's workflow checks again and records the decision in its own transaction —
 * approved, its payouts start and do not ask again; rejected, every commission is PAYABLE again.
 */
export async function decideSettlement(
  deps: { reads: SettlementReads; commands: SettlementCommands },
  input: { settlementId: string; action: RunDecisionAction; actor: string; reason: string | null },
): Promise<RunDecisionView> {
  const { settlementId, action, actor } = input;
  const run = await deps.reads.get(settlementId);
  if (!run)
    throw new DomainError(ErrorCodes.SETTLEMENT_NOT_FOUND, `no settlement run with id ${settlementId}`);
  if (run.approval?.status !== 'AWAITING') {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_NOT_AWAITING_APPROVAL,
      run.approval
        ? `the run ${settlementId} is not awaiting approval: it was ${run.approval.status.toLowerCase()}${run.approval.decidedBy ? ` by ${run.approval.decidedBy}` : ''}`
        : `the run ${settlementId} did not need approval`,
    );
  }
  if (actor === run.startedBy) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_FOUR_EYES_VIOLATION,
      `${actor} started the run ${settlementId}: a second operator decides it`,
    );
  }
  if (action === 'reject' && !input.reason) {
    throw new DomainError(ErrorCodes.SETTLEMENT_REASON_REQUIRED, 'a rejection needs a reason');
  }
  return deps.commands.decide(settlementId, action, { actor, reason: input.reason });
}
