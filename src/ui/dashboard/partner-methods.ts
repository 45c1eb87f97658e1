import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, MaskedPayoutMethod, PayoutMethods, PayoutRoute } from './api-client';
import { PendingMethodChange } from './portal-payout-methods';
import { currencyLabel, describeMethod, describeRoute, routeForMethod } from './payout-methods';

/**
 * A partner's payout methods on the Partners page: per currency, masked, with the configured route
 * that would pay each (the first PAYOUT_ROUTES entry matching method type, currency and country),
 * and the pending change if any (approved from the row's "Approve change").
 */
export function PartnerMethodsRow(props: {
  api: ApiClient;
  partnerId: string;
  /** undefined while loading; null when the routes could not be read. */
  routes: readonly PayoutRoute[] | null | undefined;
  refreshKey: number;
  columns: number;
  onError: (e: unknown, context: string) => void;
}): ComponentChild {
  const { api, partnerId, onError } = props;
  const [view, setView] = useState<PayoutMethods | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    api.payoutMethods(partnerId).then(
      (v) => !cancelled && setView(v),
      (e: unknown) => !cancelled && onError(e, 'Could not load the payout methods'),
    );
    return () => {
      cancelled = true;
    };
  }, [api, partnerId, onError, props.refreshKey]);

  const routeCell = (currency: string, method: MaskedPayoutMethod, testId: string) =>
    h(
      'td',
      { class: 'muted small', 'data-testid': testId },
      props.routes === undefined
        ? '…'
        : props.routes === null
          ? 'routes unavailable'
          : describeRoute(routeForMethod(props.routes, currency, method)),
    );
  const legacy: MaskedPayoutMethod | undefined = view
    ? { type: 'BANK_TRANSFER', scheme: 'LEGACY', account: view.legacyAccount }
    : undefined;
  const hasDefault = view?.methods.some((m) => m.currency === '*') ?? false;

  return h(
    'tr',
    { 'data-testid': `partner-methods-${partnerId}`, class: 'detail-row' },
    h(
      'td',
      { colSpan: props.columns },
      view
        ? [
            h(
              'table',
              { class: 'lines', key: 't' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['Currency', 'Method (masked)', 'Route (providers in order)'].map((c) =>
                    h('th', { key: c, scope: 'col' }, c),
                  ),
                ),
              ),
              h(
                'tbody',
                null,
                view.methods.map((m) =>
                  h(
                    'tr',
                    { key: m.currency, 'data-testid': `partner-method-${partnerId}-${m.currency}` },
                    h('td', null, currencyLabel(m.currency)),
                    h('td', null, h('code', { class: 'mono' }, describeMethod(m.method))),
                    routeCell(m.currency, m.method, `partner-route-${partnerId}-${m.currency}`),
                  ),
                ),
                !hasDefault && legacy
                  ? h(
                      'tr',
                      { key: 'legacy', 'data-testid': `partner-method-${partnerId}-legacy` },
                      h('td', null, view.methods.length ? 'Every other currency' : 'Every currency'),
                      h('td', null, h('code', { class: 'mono' }, `${describeMethod(legacy)} (legacy)`)),
                      routeCell('*', legacy, `partner-route-${partnerId}-legacy`),
                    )
                  : null,
              ),
            ),
            view.pendingChange
              ? h(PendingMethodChange, {
                  key: 'p',
                  change: view.pendingChange,
                  testId: `partner-pending-method-${partnerId}`,
                })
              : null,
          ]
        : h('span', { class: 'muted' }, 'Loading payout methods…'),
    ),
  );
}
