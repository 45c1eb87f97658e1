import type { MaskedPayoutMethod, PayoutRoute } from '../../api/contract/api-contract.types';
import {
  countryOfMethod,
  currencyLabel,
  describeMethod,
  describeRoute,
  pendingChangeStatus,
  routeForMethod,
} from './payout-methods';

const iban = (country = 'GB'): MaskedPayoutMethod => ({
  type: 'BANK_TRANSFER',
  scheme: 'IBAN',
  iban: `${country}82…5432`,
  bic: 'NWBKGB2L',
  accountHolder: 'Own Ltd',
});
const local: MaskedPayoutMethod = {
  type: 'BANK_TRANSFER',
  scheme: 'LOCAL',
  accountNumber: '****6789',
  bankCode: '021000021',
  country: 'US',
  accountHolder: null,
};
const stripe: MaskedPayoutMethod = { type: 'STRIPE_CONNECT', accountId: 'acct_…CVdK' };
const legacy: MaskedPayoutMethod = { type: 'BANK_TRANSFER', scheme: 'LEGACY', account: '****5678' };

const route = (over: Partial<PayoutRoute>, name: PayoutRoute['providers'][number]['name']): PayoutRoute => ({
  method: '*',
  currency: '*',
  country: '*',
  providers: [{ name, maxAmountMinor: null }],
  ...over,
});

describe('payout methods on the dashboard', () => {
  const routes: PayoutRoute[] = [
    route({ method: 'BANK_TRANSFER', currency: 'EUR', country: 'ES' }, 'iso20022-file'),
    route({ method: 'STRIPE_CONNECT' }, 'stripe'),
    route({ method: 'BANK_TRANSFER', currency: 'USD' }, 'sandbox-bank'),
    route({}, 'sandbox-bank'),
  ];

  it('reads the country the router reads: IBAN prefix, local country, none for Stripe or legacy', () => {
    expect(countryOfMethod(iban('ES'))).toBe('ES');
    expect(countryOfMethod(local)).toBe('US');
    expect(countryOfMethod(stripe)).toBeNull();
    expect(countryOfMethod(legacy)).toBeNull();
  });

  it('picks the first route matching method type, currency and country', () => {
    expect(routeForMethod(routes, 'EUR', iban('ES'))).toBe(routes[0]);
    expect(routeForMethod(routes, 'EUR', iban('GB'))).toBe(routes[3]);
    expect(routeForMethod(routes, 'GBP', iban('ES'))).toBe(routes[3]);
    expect(routeForMethod(routes, 'EUR', stripe)).toBe(routes[1]);
    expect(routeForMethod(routes, 'USD', local)).toBe(routes[2]);
    // A `*` method matches only routes for any currency.
    expect(routeForMethod(routes, '*', iban('ES'))).toBe(routes[3]);
    // A country-specific route never matches a method without a country.
    expect(routeForMethod([routes[0]!], 'EUR', legacy)).toBeUndefined();
    expect(routeForMethod([], 'EUR', stripe)).toBeUndefined();
  });

  it('describes routes, methods and currencies', () => {
    expect(describeRoute(routes[0])).toBe('iso20022-file');
    expect(
      describeRoute({
        ...routes[0]!,
        providers: [
          { name: 'iso20022-file', maxAmountMinor: 500_000 },
          { name: 'sandbox-bank', maxAmountMinor: null },
        ],
      }),
    ).toBe('iso20022-file (≤ 500000 minor units) → sandbox-bank');
    expect(describeRoute(undefined)).toMatch(/no route/);
    expect(describeMethod(iban())).toBe('IBAN GB82…5432 · NWBKGB2L · Own Ltd');
    expect(describeMethod(local)).toBe('Account ****6789 · US 021000021');
    expect(describeMethod(stripe)).toBe('Stripe acct_…CVdK');
    expect(describeMethod(legacy)).toBe('Account ****5678');
    expect(currencyLabel('*')).toBe('Every other currency');
    expect(currencyLabel('EUR')).toBe('EUR');
  });

  it('says whether a pending change waits for approval or when it is in force', () => {
    expect(pendingChangeStatus({ approvedBy: null, effectiveAt: null })).toEqual({
      kind: 'awaiting-approval',
    });
    expect(pendingChangeStatus({ approvedBy: 'bob', effectiveAt: '2025-03-01T10:00:00.000Z' })).toEqual({
      kind: 'approved',
      effectiveAt: '2025-03-01T10:00:00.000Z',
    });
  });
});
