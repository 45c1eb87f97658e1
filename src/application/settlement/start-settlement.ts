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
 * run that has it); the same request again gets the run it started, and resumes a run that failed
 * or was stopped. A released run stays released.
 */
export async function startSettlement(
  deps: { uow: UnitOfWork; commands: SettlementCommands; clock?: () => Date; timeZone?: string },
  req: SettlementRequest & { actor: string },
): Promise<StartedSettlement> {
  const now = (deps.clock ?? (() => new Date()))();
  const { periodEnd, currency } = requestedPeriod(req, now, deps.timeZone);
  const settlementId = settlementRunId(periodEnd, currency);
  const { holder, released } = await deps.uow.run(async (tx) => ({
    holder: await tx.settlements.claimPeriod(periodEnd, currency, settlementId, now.toISOString()),
    released: (await tx.settlements.find(settlementId))?.status === 'RELEASED',
  }));
  if (holder !== settlementId) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_ALREADY_EXISTS,
      `the period ${periodEnd} is settled by the run ${holder}: one run per period`,
      { settlementId: holder },
    );
  }
  if (released) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_RELEASED,
      `the run ${settlementId} was released: its unstarted payouts went back to the balances, which a run of a later period pays`,
    );
  }
  // The claim is this run's: start it, resume it (it failed or was stopped), or find it started
  // (the same request again, after a lost answer).
  const { created } = await deps.commands.start({ settlementId, periodEnd, currency, startedBy: req.actor });
  return { settlementId, periodEnd, currency, created };
}
