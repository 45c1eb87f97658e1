import type { Partner } from '../../domain/partner.aggregate';
import { changePartner, type PartnerChangeDeps, type PartnerChangeInput } from './partner-change';

/**
 * A payout account changes in three steps, each told to the partner: one operator requests it,
 * another approves it (four-eyes, refused to the requester by the aggregate), and it takes effect
 * after the cool-off unless withdrawn before.
 */
export const requestPayoutAccountChange = (
  deps: PartnerChangeDeps,
  input: PartnerChangeInput & { account: string; actor: string },
): Promise<Partner | undefined> =>
  changePartner(deps, input, (p, now) =>
    p.requestPayoutAccountChange({ account: input.account, actor: input.actor, now }),
  );

export const approvePayoutAccountChange = (
  deps: PartnerChangeDeps & { cooloffMs: number },
  input: PartnerChangeInput & { actor: string },
): Promise<Partner | undefined> =>
  changePartner(deps, input, (p, now) =>
    p.approvePayoutAccountChange({ actor: input.actor, now, cooloffMs: deps.cooloffMs }),
  );

export const withdrawPayoutAccountChange = (
  deps: PartnerChangeDeps,
  input: PartnerChangeInput & { actor: string },
): Promise<Partner | undefined> =>
  changePartner(deps, input, (p, now) => p.cancelPayoutAccountChange({ actor: input.actor, now }));
