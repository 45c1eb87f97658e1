import { DomainError, ErrorCodes } from '../../domain/domain-error';
import { TaxProfile, type PublicTaxProfile, type TaxFormInput } from '../../domain/tax-profile.aggregate';
import type { AuditStamp } from '../../ports/audit.port';
import type { TransactionScope, UnitOfWork } from '../../ports/unit-of-work.port';
import { auditedTransaction } from '../audited-transaction';
import { retryOnConflict } from '../transaction-retry';

export interface TaxProfileDeps {
  uow: UnitOfWork;
  clock?: () => Date;
}

interface Change {
  partnerId: string;
  actor: string;
  audit?: AuditStamp;
}

/**
 * One audited transaction over the partner's tax profile: the change, its events and its audit
 * entry (tax id masked) commit together. Undefined when there is no such partner.
 */
async function changeTaxProfile(
  deps: TaxProfileDeps,
  input: Change,
  change: (tx: TransactionScope, current: TaxProfile | undefined, now: Date) => Promise<TaxProfile>,
): Promise<PublicTaxProfile | undefined> {
  const now = (deps.clock ?? (() => new Date()))();
  return retryOnConflict(() =>
    auditedTransaction(deps.uow, input.audit, async (tx, audit) => {
      if (!(await tx.partners.findById(input.partnerId))) return undefined;
      const current = await tx.taxProfiles.findByPartnerId(input.partnerId);
      const before = current?.toPublic() ?? null;
      const profile = await change(tx, current, now);
      await tx.taxProfiles.save(profile);
      await tx.events.append(profile.pullEvents(), { workflowId: null, runId: null });
      const after = profile.toPublic();
      await audit({ targetId: input.partnerId, before, after });
      return after;
    }),
  );
}

/** The partner's tax form, new or replacing the one on file; either way it waits for review. */
export const submitTaxProfile = (
  deps: TaxProfileDeps,
  input: Change & { form: TaxFormInput },
): Promise<PublicTaxProfile | undefined> =>
  changeTaxProfile(deps, input, async (_tx, current, now) => {
    if (!current)
      return TaxProfile.submit({ partnerId: input.partnerId, form: input.form, actor: input.actor, now });
    current.resubmit({ form: input.form, actor: input.actor, now });
    return current;
  });

/** An operator's review: approve, or reject with a reason the partner sees. */
export const reviewTaxProfile = (
  deps: TaxProfileDeps,
  input: (Change & { decision: 'approve' }) | (Change & { decision: 'reject'; reason: string }),
): Promise<PublicTaxProfile | undefined> =>
  changeTaxProfile(deps, input, async (_tx, current, now) => {
    if (!current) throw noProfile(input.partnerId);
    if (input.decision === 'approve') current.approve({ actor: input.actor, now });
    else current.reject({ reason: input.reason, actor: input.actor, now });
    return current;
  });

/**
 * The form as shown (tax id masked). `partner: false` when there is no such partner, `profile:
 * null` when the partner has filed none.
 */
export async function taxProfileOf(
  deps: TaxProfileDeps,
  partnerId: string,
): Promise<{ partner: boolean; profile: PublicTaxProfile | null }> {
  return deps.uow.run(async (tx) => {
    if (!(await tx.partners.findById(partnerId))) return { partner: false, profile: null };
    const profile = await tx.taxProfiles.findByPartnerId(partnerId);
    return { partner: true, profile: profile?.toPublic() ?? null };
  });
}

const noProfile = (partnerId: string): DomainError =>
  new DomainError(ErrorCodes.TAX_PROFILE_NOT_FOUND, `Partner ${partnerId} has filed no tax profile`, {
    partnerId,
  });
