import type { Principal } from '../../../ports/principal';
import type { StoredEvent } from '../../../ports/event-log.port';
import type { StreamFilter } from '../../stream-protocol';

/** The aggregate type a `paymentId` filter selects (see `Payment`'s events). */
export const PAYMENT_AGGREGATE_TYPE = 'Payment';

/** A filter after authorisation: what the server actually applies, partner scoping included. */
export interface EffectiveFilter {
  partnerId?: string;
  paymentId?: string;
}

export type FilterDecision = { ok: true; filter: EffectiveFilter } | { ok: false; reason: string };

/**
 * A `partner` principal is pinned to its own partner whatever it asks for; asking for another
 * partner is refused rather than silently narrowed, so a misconfigured client notices.
 */
export function authorizeFilter(principal: Principal, requested: StreamFilter | undefined): FilterDecision {
  const filter: EffectiveFilter = { ...requested };
  if (principal.role !== 'partner') return { ok: true, filter };
  if (!principal.partnerId) return { ok: false, reason: 'this token is not bound to a partner' };
  if (filter.partnerId !== undefined && filter.partnerId !== principal.partnerId)
    return { ok: false, reason: "a partner may only subscribe to its own partner's events" };
  return { ok: true, filter: { ...filter, partnerId: principal.partnerId } };
}

export function matchesFilter(filter: EffectiveFilter, event: StoredEvent): boolean {
  if (filter.partnerId !== undefined && event.partnerId !== filter.partnerId) return false;
  if (
    filter.paymentId !== undefined &&
    (event.aggregate.type !== PAYMENT_AGGREGATE_TYPE || event.aggregate.id !== filter.paymentId)
  )
    return false;
  return true;
}
