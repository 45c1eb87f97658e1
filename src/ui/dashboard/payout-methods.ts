import type { MaskedPayoutMethod, PayoutRoute } from '../../api/contract/api-contract.types';

/**
 * Payout methods as the dashboard shows them (masked, as the API gives them) and the configured
 * route that would pay each: pure, so the Partners page and the portal agree and it is unit-tested.
 */

/**
 * Where a method's money goes, for routing, as the router reads it (src/infra/payout): an IBAN's
 * country (its first two letters survive the mask), a local account's country, none for Stripe or
 * the legacy account (whose mask keeps only the last four characters).
 */
export function countryOfMethod(method: MaskedPayoutMethod): string | null {
  if (method.type === 'STRIPE_CONNECT') return null;
  if (method.scheme === 'IBAN') return /^[A-Z]{2}/.test(method.iban) ? method.iban.slice(0, 2) : null;
  if (method.scheme === 'LOCAL') return method.country;
  return null;
}

/**
 * The first configured route matching the method's type, currency and country — the router's own
 * rule. A `*` method (every currency without its own) is matched only by routes for any currency:
 * a route naming a currency would pay just that one.
 */
export function routeForMethod(
  routes: readonly PayoutRoute[],
  currency: string,
  method: MaskedPayoutMethod,
): PayoutRoute | undefined {
  const country = countryOfMethod(method);
  return routes.find(
    (r) =>
      (r.method === '*' || r.method === method.type) &&
      (r.currency === '*' || r.currency === currency) &&
      (r.country === '*' || r.country === country),
  );
}

/** `sandbox-bank (≤ 5000.00 minor units…)`: providers in order, with their limits in minor units. */
export function describeRoute(route: PayoutRoute | undefined): string {
  if (!route) return 'no route: not payable';
  return route.providers
    .map((p) => (p.maxAmountMinor === null ? p.name : `${p.name} (≤ ${p.maxAmountMinor} minor units)`))
    .join(' → ');
}

/** One line for a masked method: `IBAN GB82…5432 · NWBKGB2L · Own Ltd`, `Stripe acct_…CVdK`. */
export function describeMethod(method: MaskedPayoutMethod): string {
  if (method.type === 'STRIPE_CONNECT') return `Stripe ${method.accountId}`;
  const parts =
    method.scheme === 'IBAN'
      ? [`IBAN ${method.iban}`, method.bic, method.accountHolder]
      : method.scheme === 'LOCAL'
        ? [`Account ${method.accountNumber}`, `${method.country} ${method.bankCode}`, method.accountHolder]
        : [`Account ${method.account}`];
  return parts.filter((p): p is string => !!p).join(' · ');
}

/** `*` reads as "every other currency". */
export const currencyLabel = (currency: string): string =>
  currency === '*' ? 'Every other currency' : currency;

/** A pending change as a partner reads it: waiting for an operator, or approved and in force from a time. */
export function pendingChangeStatus(change: {
  approvedBy: string | null;
  effectiveAt: string | null;
}): { kind: 'awaiting-approval' } | { kind: 'approved'; effectiveAt: string } {
  return change.approvedBy && change.effectiveAt
    ? { kind: 'approved', effectiveAt: change.effectiveAt }
    : { kind: 'awaiting-approval' };
}
