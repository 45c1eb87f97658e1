import type { PayoutMinimums } from '../../domain/payout-minimums.value-object';
import {
  planSettlement,
  skippedPartnersByReason,
  type SettlementPlan,
  type SettlementPolicy,
  type SettlementSkipReason,
} from '../../domain/settlement-plan';
import { periodCutoff } from '../../domain/settlement-period';
import type { SettlementReads } from '../../ports/settlement.port';
import { requestedPeriod, type SettlementRequest } from './settlement-request';

export interface DryRunDeps {
  reads: Pick<SettlementReads, 'payableBalances'>;
  minimums: PayoutMinimums;
  /** One number, or per currency (PAYOUT_MAXIMUMS). */
  maxPaymentMinor: SettlementPolicy['maxPaymentMinor'];
  clock?: () => Date;
  /** SETTLEMENT_TIME_ZONE, as the run's activity will use it; UTC by default. */
  timeZone?: string;
}

/**
 * What a run of the period would pay and skip, planned as the run plans it, and how many partners
 * it leaves out by reason (over every skip, not only the previewed ones); nothing is written.
 */
export async function dryRunSettlement(
  deps: DryRunDeps,
  req: SettlementRequest,
): Promise<{
  periodEnd: string;
  currency: string | null;
  plan: SettlementPlan;
  skippedPartners: Partial<Record<SettlementSkipReason, number>>;
}> {
  const now = (deps.clock ?? (() => new Date()))();
  const { periodEnd, currency } = requestedPeriod(req, now, deps.timeZone);
  const balances = await deps.reads.payableBalances({
    cutoff: periodCutoff(periodEnd, deps.timeZone),
    currency,
    now: now.toISOString(),
  });
  const plan = planSettlement(balances, { minimums: deps.minimums, maxPaymentMinor: deps.maxPaymentMinor });
  return { periodEnd, currency, plan, skippedPartners: skippedPartnersByReason(plan.skipped) };
}
