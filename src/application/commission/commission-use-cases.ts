import type { AuditStamp } from '../../ports/audit.port';
import {
  accrueCommissions,
  type AccrualDeps,
  type AccrualItem,
  type AccrualAudit,
} from './accrue-commissions';
import { CommissionImport, type ImportLimits } from './import-commissions';
import { reverseCommission, type ReverseCommissionDeps } from './reverse-commission';

export type CommissionUseCasesDeps = AccrualDeps & Omit<ReverseCommissionDeps, 'clock'>;

/** The commission use cases bound to their ports: what the edge calls, never opening a transaction itself. */
export function commissionUseCases(deps: CommissionUseCasesDeps) {
  return {
    accrue: (items: readonly AccrualItem[], opts: { allOrNothing: boolean; audit?: AccrualAudit }) =>
      accrueCommissions(deps, items, opts),
    /** An import the edge feeds row by row (from a CSV or NDJSON reader). */
    startImport: (limits: ImportLimits, audit?: AuditStamp) => new CommissionImport(deps, limits, audit),
    reverse: (input: Parameters<typeof reverseCommission>[1]) =>
      reverseCommission({ ...deps, clock: deps.now }, input),
  };
}

export type CommissionUseCases = ReturnType<typeof commissionUseCases>;
