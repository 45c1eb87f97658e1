import type { MethodCurrency, Partner, PublicAccountChange } from '../../domain/partner.aggregate';
import { publicChange } from '../../domain/partner.aggregate';
import type { MaskedPayoutMethod } from '../../domain/payout-method.value-object';
import type { UnitOfWork } from '../../ports/unit-of-work.port';
import { changePartner, type PartnerChangeDeps, type PartnerChangeInput } from './partner-change';

/** A partner's payout methods as shown: masked, by currency, with any pending change. */
export interface PayoutMethodsView {
  partnerId: string;
  methods: Array<{ currency: MethodCurrency; method: MaskedPayoutMethod }>;
  /** The legacy single account: the bank transfer used for a currency with neither its own method nor `*`. */
  legacyAccount: string;
  pendingChange: PublicAccountChange | null;
}

/**
 * A new payout method for one currency (or `*`): requested like a payout account, so it then waits
 * for the existing approve / withdraw steps (four-eyes, cool-off), the partner told at each.
 */
export const requestPayoutMethodChange = (
  deps: PartnerChangeDeps,
  input: PartnerChangeInput & { currency: string; method: unknown; actor: string },
): Promise<Partner | undefined> =>
  changePartner(deps, input, (p, now) =>
    p.requestPayoutMethodChange({ currency: input.currency, method: input.method, actor: input.actor, now }),
  );

/** As it stands now: a change past its cool-off shows as done (written down on the next change). */
export async function payoutMethodsOf(
  deps: { uow: UnitOfWork; clock?: () => Date },
  partnerId: string,
): Promise<PayoutMethodsView | undefined> {
  const partner = await deps.uow.run((tx) => tx.partners.findById(partnerId));
  if (!partner) return undefined;
  partner.applyDueAccountChange((deps.clock ?? (() => new Date()))());
  partner.pullEvents();
  const change = partner.pendingAccountChange;
  return {
    partnerId: partner.id,
    methods: partner.payoutMethods.map(({ currency, method }) => ({ currency, method: method.masked() })),
    legacyAccount: partner.payoutAccount.masked(),
    pendingChange: change ? publicChange(change) : null,
  };
}
