import { payoutRouteList } from './payout-route.schemas';
import type { RouteTable } from './route-kit';

/** A configured route as the API is given it (config's PAYOUT_ROUTES, parsed). */
export interface ConfiguredPayoutRoute {
  method: 'BANK_TRANSFER' | 'STRIPE_CONNECT' | '*';
  currency: string;
  country: string;
  providers: ReadonlyArray<{ name: 'sandbox-bank' | 'iso20022-file' | 'stripe'; maxAmountMinor?: number }>;
}

/** Which rail pays what: the PAYOUT_ROUTES configuration, read-only, for operators and viewers. */
export function payoutRouteRoutes(
  routes: RouteTable,
  deps: { routes: readonly ConfiguredPayoutRoute[] },
): void {
  const items = deps.routes.map((r) => ({
    method: r.method,
    currency: r.currency,
    country: r.country,
    providers: r.providers.map((p) => ({ name: p.name, maxAmountMinor: p.maxAmountMinor ?? null })),
  }));
  routes.add({
    method: 'get',
    path: '/payout-routes',
    summary: 'The configured payout routes (PAYOUT_ROUTES): method, currency, country → providers in order',
    tag: 'Payout routes',
    roles: ['operator', 'viewer'],
    responses: { 200: { description: 'The routes, in the order they are matched', schema: payoutRouteList } },
    handler: ({ res }) => {
      res.json({ items });
    },
  });
}
