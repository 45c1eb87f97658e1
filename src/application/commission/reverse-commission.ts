import type { Commission } from '../../domain/commission.aggregate';
import type { AuditStamp } from '../../ports/audit.port';
import type { UnitOfWork } from '../../ports/unit-of-work.port';
import { auditedTransaction } from '../audited-transaction';
import { retryOnConflict } from '../transaction-retry';

export interface ReverseCommissionDeps {
  uow: UnitOfWork;
  /** The id of the clawback a reversal of a settled commission creates (stable per commission). */
  clawbackId: (externalRef: string) => string;
  clock?: () => Date;
}

/**
 * Reverses a commission: REVERSED before settlement, a pending reversal while SETTLING, or — once
 * SETTLED — a clawback (a negative entry) netted off the next payout. The commission, the clawback,
 * their events and the audit entry commit together. Undefined when there is no such commission.
 */
export function reverseCommission(
  deps: ReverseCommissionDeps,
  input: { externalRef: string; reason: string; actor: string; audit?: AuditStamp },
): Promise<{ commission: Commission; clawback: Commission | undefined } | undefined> {
  const now = deps.clock ?? (() => new Date());
  return retryOnConflict(() =>
    auditedTransaction(deps.uow, input.audit, async (tx, audit) => {
      const [commission] = await tx.commissions.findByExternalRefs([input.externalRef]);
      if (!commission) return undefined;
      const { clawback } = commission.reverse({
        reason: input.reason,
        actor: input.actor,
        now: now(),
        clawbackId: deps.clawbackId(commission.externalRef),
      });
      await tx.commissions.save(commission);
      if (clawback) await tx.commissions.save(clawback);
      await tx.events.append([...commission.pullEvents(), ...(clawback?.pullEvents() ?? [])], {
        workflowId: null,
        runId: null,
      });
      await audit({ targetId: commission.externalRef });
      return { commission, clawback };
    }),
  );
}
