import {
  payabilityOf,
  taxFormStanding,
  type PayabilityView,
  type TaxFormFacts,
  type TaxFormRequirement,
} from '../../domain/payability';
import type { Partner } from '../../domain/partner.aggregate';
import type { PayoutMinimums } from '../../domain/payout-minimums.value-object';
import type { CommissionBalance, CommissionReads } from '../../ports/commission.port';
import type { PartnerRepository } from '../../ports/partner-repository.port';
import type { TaxFormReads } from '../../ports/tax-profile-repository.port';

export interface PayabilityDeps {
  partners: Pick<PartnerRepository, 'findById'>;
  taxForms: TaxFormReads;
  balances: Pick<CommissionReads, 'balances' | 'balancesOf'>;
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
  return viewOf(deps, partner, form, balances, nextRunAt, now);
}

/**
 * The same answer for a page of partners already loaded (the Partners list): their forms and
 * balances are read in one query each, whatever the number of partners, so a list never costs a
 * request or a query per row. Keyed by partner id.
 */
export async function partnersPayability(
  deps: Omit<PayabilityDeps, 'partners'>,
  partners: readonly Partner[],
): Promise<Map<string, PartnerPayability>> {
  const now = (deps.clock ?? (() => new Date()))();
  if (partners.length === 0) return new Map();
  const ids = partners.map((p) => p.id);
  const [forms, balances, nextRunAt] = await Promise.all([
    deps.taxForms.formsOf(ids),
    deps.balances.balancesOf(ids, now),
    deps.nextRunAt(),
  ]);
  return new Map(
    partners.map((p) => [
      p.id,
      viewOf(deps, p, forms.get(p.id) ?? null, balances.get(p.id) ?? [], nextRunAt, now),
    ]),
  );
}

function viewOf(
  deps: Pick<PayabilityDeps, 'minimums' | 'requirement'>,
  partner: Partner,
  form: TaxFormFacts | null,
  balances: readonly CommissionBalance[],
  nextRunAt: string | null,
  now: Date,
): PartnerPayability {
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
  return { partnerId: partner.id, asOf: now.toISOString(), ...view };
}
