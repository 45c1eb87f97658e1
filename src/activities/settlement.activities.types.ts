/** Serialisable inputs and results of the settlement activities: what crosses the Temporal boundary. */
import type { SettlementTrigger } from '../ports/settlement-repository.port';

export interface PlanSettlementInput {
  settlementId: string;
  /** `YYYY-MM-DD`, inclusive: commissions that occurred up to the end of that day in `timeZone`. */
  periodEnd: string;
  currency: string | null;
  trigger: SettlementTrigger;
  startedBy: string;
  /** The run's SETTLEMENT_TIME_ZONE (from its settings); absent: UTC. */
  timeZone?: string;
}

export interface CurrencyPlanTotals {
  payoutCount: number;
  /** Decimal string: exact whatever its size. */
  payoutMinor: string;
  skippedCount: number;
}

export interface PlanSettlementResult {
  settlementId: string;
  itemCount: number;
  skippedCount: number;
  totals: Record<string, CurrencyPlanTotals>;
}

export interface SettlementPageInput {
  settlementId: string;
  afterSeq: number;
  limit: number;
}

export interface SettlementPageItem {
  seq: number;
  partnerId: string;
  currency: string;
  paymentId: string;
  netMinor: number;
}

export interface SettlementPageResult {
  items: SettlementPageItem[];
}

export interface SettlementProgressInput {
  settlementId: string;
  periodEnd: string;
  currency: string | null;
  itemCount: number;
  skippedCount: number;
  /** A SettlementProgress event is appended once this many payouts have finished (and at the end). */
  reportAtFinished: number;
}

export interface SettlementProgressResult {
  byStatus: Record<string, number>;
  /** Payouts whose payment reached an outcome. */
  finished: number;
  /** Parked until a second person decides: they hold no slot of the run's window. */
  awaitingApproval: number;
  reported: boolean;
}

export interface CompleteSettlementInput {
  settlementId: string;
}

export interface CompleteSettlementResult {
  settlementId: string;
  byStatus: Record<string, number>;
  completedAt: string;
}
