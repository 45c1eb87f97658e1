import {
  approvePayoutAccountChange,
  requestPayoutAccountChange,
  withdrawPayoutAccountChange,
} from './payout-account-change';
import type { PartnerChangeDeps, PartnerChangeInput } from './partner-change';
import { placePayoutHold, releasePayoutHold } from './payout-hold';
import { payoutMethodsOf, requestPayoutMethodChange } from './payout-methods';
import { registerPartner, type RegisterPartnerDeps } from './register-partner';
import { updatePartner } from './update-partner';

export interface PartnerUseCasesDeps extends PartnerChangeDeps, RegisterPartnerDeps {
  /** PAYOUT_ACCOUNT_COOLOFF: how long an approved account change waits before it takes effect. */
  cooloffMs: number;
}

/** The partner use cases bound to their ports: what the edge calls, never opening a transaction itself. */
export function partnerUseCases(deps: PartnerUseCasesDeps) {
  type Actor = PartnerChangeInput & { actor: string };
  return {
    register: (input: Parameters<typeof registerPartner>[1]) => registerPartner(deps, input),
    update: (input: Parameters<typeof updatePartner>[1]) => updatePartner(deps, input),
    placePayoutHold: (input: Actor & { reason: string }) => placePayoutHold(deps, input),
    releasePayoutHold: (input: Actor) => releasePayoutHold(deps, input),
    requestAccountChange: (input: Actor & { account: string }) => requestPayoutAccountChange(deps, input),
    approveAccountChange: (input: Actor) => approvePayoutAccountChange(deps, input),
    withdrawAccountChange: (input: Actor) => withdrawPayoutAccountChange(deps, input),
    payoutMethods: (input: { partnerId: string }) => payoutMethodsOf(deps, input.partnerId),
    requestMethodChange: (input: Actor & { currency: string; method: unknown }) =>
      requestPayoutMethodChange(deps, input),
  };
}

export type PartnerUseCases = ReturnType<typeof partnerUseCases>;
