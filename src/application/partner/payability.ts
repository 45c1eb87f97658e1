import {
  payabilityOf,
  taxFormStanding,
  type PayabilityView,
  type TaxFormRequirement,
} from '../../domain/payability';
import type { PayoutMinimums } from '../../domain/payout-minimums.value-object';
import type { CommissionReads } from '../../ports/commission.port';
import type { PartnerRepository } from '../../ports/partner-repository.port';
import type { TaxFormReads } from '../../ports/tax-profile-repository.port';

export interface PayabilityDeps {
  partners: Pick<PartnerRepository, 'findById'>;
  taxForms: TaxFormReads;
  balances: Pick<CommissionReads, 'balances'>;
  minimums: PayoutMinimums;
  /** TAX_FORM_REQUIRED. */
  requirement: TaxFormRequirement;
  /** When the settlement Schedule next starts a run (null: no schedule). */
  nextRunAt: () => Promise<string | null>;
  clock?: () => Date;
}

export type PartnerPayability = PayabilityView & { partnerId: string; asOf: string };

/**
 * Whether the partner will be paid, why not, and per currency how much and when: the same reasons
 * the settlement planner skips with. Undefined when there is no such partner.
 */
export async function partnerPayability(
  deps: PayabilityDeps,
  partnerId: string,
): Promise<PartnerPayability | undefined> {
  const now = (deps.clock ?? (() => new Date()))();
  const partner = await deps.partners.findById(partnerId);
  if (!partner) return undefined;
  const [form, balances, nextRunAt] = await Promise.all([
    deps.taxForms.formOf(partnerId),
    deps.balances.balances(partnerId, now),
    deps.nextRunAt(),
  ]);
  const change = partner.pendingAccountChange;
  const view = payabilityOf(
    {
      status: partner.status,
      onHold: partner.payoutHold !== null,
      // The legacy payout account is a bank transfer for every currency (Partner.defaultMethodFor).
      hasPayoutMethod: true,
      pendingMethodChange:
        change !== null && (!change.effectiveAt || Date.parse(change.effectiveAt) > now.getTime()),
      payoutMethodReturned: partner.payoutMethodReturnedAt(now) !== null,
      taxForm: taxFormStanding(deps.requirement, form, now),
    },
    balances.map((b) => ({
      currency: b.currency,
      netPayableMinor: b.netPayableMinor,
      minimumMinor: deps.minimums.minimumFor(b.currency),
    })),
    nextRunAt,
  );
  return { partnerId, asOf: now.toISOString(), ...view };
}
