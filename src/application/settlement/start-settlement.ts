import { DomainError, ErrorCodes } from '../../domain/domain-error';
import { settlementRunId } from '../../domain/settlement-run-id';
import type { SettlementCommands } from '../../ports/settlement.port';
import type { UnitOfWork } from '../../ports/unit-of-work.port';
import { requestedPeriod, type SettlementRequest } from './settlement-request';

export interface StartedSettlement {
  settlementId: string;
  periodEnd: string;
  currency: string | null;
  /** False when the run existed already: the same request again (say, after a lost answer). */
  created: boolean;
}

/**
 * Starts the period's run and says which it is. One run per period: a run of one currency and a run
 * of every currency of the same period refuse each other (`SETTLEMENT.ALREADY_EXISTS`, naming the
 * run that has it); the same request again gets the run it started.
 */
export async function startSettlement(
  deps: { uow: UnitOfWork; commands: SettlementCommands; clock?: () => Date },
  req: SettlementRequest & { actor: string },
): Promise<StartedSettlement> {
  const now = (deps.clock ?? (() => new Date()))();
  const { periodEnd, currency } = requestedPeriod(req, now);
  const settlementId = settlementRunId(periodEnd, currency);
  const holder = await deps.uow.run((tx) =>
    tx.settlements.claimPeriod(periodEnd, currency, settlementId, now.toISOString()),
  );
  if (holder !== settlementId) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_ALREADY_EXISTS,
      `the period ${periodEnd} is settled by the run ${holder}: one run per period`,
      { settlementId: holder },
    );
  }
  // The claim is this run's: start it, or find it started (a retry of a lost answer).
  const { created } = await deps.commands.start({ settlementId, periodEnd, currency, startedBy: req.actor });
  return { settlementId, periodEnd, currency, created };
}
