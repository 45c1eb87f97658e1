import type { Partner } from '../../domain/partner.aggregate';
import type { AuditStamp } from '../../ports/audit.port';
import type { UnitOfWork } from '../../ports/unit-of-work.port';
import { auditedTransaction } from '../audited-transaction';
import { retryOnConflict } from '../transaction-retry';

export interface UpdatePartnerDeps {
  uow: UnitOfWork;
  clock?: () => Date;
}

/**
 * Changes a partner's details (not its payout account: that has its own four-eyes flow). The
 * partner is read as it stands now (an account change past its cool-off shows as done) and saved
 * with its audit entry. Undefined when there is no such partner.
 */
export function updatePartner(
  deps: UpdatePartnerDeps,
  input: { partnerId: string; changes: Parameters<Partner['update']>[0]; audit?: AuditStamp },
): Promise<Partner | undefined> {
  const now = (deps.clock ?? (() => new Date()))();
  return retryOnConflict(() =>
    auditedTransaction(deps.uow, input.audit, async (tx, audit) => {
      const partner = await tx.partners.findById(input.partnerId);
      if (!partner) return undefined;
      partner.applyDueAccountChange(now);
      partner.pullEvents();
      const before = partner.toPublic();
      partner.update(input.changes, now);
      await tx.partners.save(partner);
      await audit({ targetId: partner.id, before, after: partner.toPublic() });
      return partner;
    }),
  );
}
