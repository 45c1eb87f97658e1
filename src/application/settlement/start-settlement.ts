import type { SettlementCommands } from '../../ports/settlement.port';
import { requestedPeriod, type SettlementRequest } from './settlement-request';

/** Starts the period's run (one per period: its id is the period's) and says which it is. */
export async function startSettlement(
  deps: { commands: SettlementCommands; clock?: () => Date; timeZone?: string },
  req: SettlementRequest & { actor: string },
): Promise<{ settlementId: string; periodEnd: string; currency: string | null }> {
  const now = (deps.clock ?? (() => new Date()))();
  const { periodEnd, currency } = requestedPeriod(req, now, deps.timeZone);
  const { settlementId } = await deps.commands.start({ periodEnd, currency, startedBy: req.actor });
  return { settlementId, periodEnd, currency };
}
