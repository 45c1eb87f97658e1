import { Partner } from '../../domain/partner.aggregate';
import type { AuditStamp } from '../../ports/audit.port';
import type { UnitOfWork } from '../../ports/unit-of-work.port';
import { auditedTransaction } from '../audited-transaction';

export interface RegisterPartnerDeps {
  uow: UnitOfWork;
  newId: () => string;
  clock?: () => Date;
}

/** A new payee; its audit entry (the partner as shown, account masked) commits with it. */
export function registerPartner(
  deps: RegisterPartnerDeps,
  input: Omit<Parameters<typeof Partner.create>[0], 'id' | 'now'> & { audit?: AuditStamp },
): Promise<Partner> {
  const { audit: stamp, ...fields } = input;
  const partner = Partner.create({ ...fields, id: deps.newId(), now: (deps.clock ?? (() => new Date()))() });
  return auditedTransaction(deps.uow, stamp, async (tx, audit) => {
    await tx.partners.save(partner);
    await audit({ targetId: partner.id, before: null, after: partner.toPublic() });
    return partner;
  });
}
