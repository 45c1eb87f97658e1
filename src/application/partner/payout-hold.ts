import type { Partner } from '../../domain/partner.aggregate';
import { changePartner, type PartnerChangeDeps, type PartnerChangeInput } from './partner-change';

/** Stops a partner's payouts: settlements skip it and new payments are refused. */
export const placePayoutHold = (
  deps: PartnerChangeDeps,
  input: PartnerChangeInput & { reason: string; actor: string },
): Promise<Partner | undefined> =>
  changePartner(deps, input, (p, now) =>
    p.placePayoutHold({ reason: input.reason, actor: input.actor, now }),
  );

/** Makes a held partner payable again. */
export const releasePayoutHold = (
  deps: PartnerChangeDeps,
  input: PartnerChangeInput & { actor: string },
): Promise<Partner | undefined> =>
  changePartner(deps, input, (p, now) => p.releasePayoutHold({ actor: input.actor, now }));
