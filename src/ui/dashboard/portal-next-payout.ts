import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Payability } from './api-client';
import { nextPayoutCard } from './payability-state';

/**
 * The portal's "Your next payout" card (`GET /partners/:id/payability`): payable or not, why and
 * what to do, and per currency how much and when. The reasons are the settlement planner's, so the
 * partner reads what the operators see when a run leaves them out. Refetched on `refreshKey` (a run
 * started or completed, a payout moved).
 */
export function NextPayoutCard(props: {
  api: ApiClient;
  partnerId: string;
  locale: string | undefined;
  refreshKey: string | number;
  onError: (e: unknown, context: string) => void;
}): ComponentChild {
  const { api, partnerId, onError } = props;
  const [view, setView] = useState<Payability | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    api.payability(partnerId).then(
      (v) => !cancelled && setView(v),
      (e: unknown) => !cancelled && onError(e, 'Could not load your next payout'),
    );
    return () => {
      cancelled = true;
    };
  }, [api, partnerId, props.refreshKey, onError]);

  // Another partner's answer never shows under this key (a sign-in switch before it arrived).
  const shown = view?.partnerId === partnerId ? view : undefined;
  const card = shown ? nextPayoutCard(shown, props.locale) : undefined;
  return h(
    'section',
    {
      class: `panel panel-wide next-payout${card ? (card.payable ? ' next-payout-ok' : ' next-payout-blocked') : ''}`,
      'aria-labelledby': 'next-payout-heading',
      'aria-busy': !card,
      'data-testid': 'next-payout',
      'data-payable': card ? String(card.payable) : '',
    },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: 'next-payout-heading', class: 'panel-title' }, 'Your next payout'),
      card
        ? h(
            'span',
            {
              class: `chip ${card.payable ? 'chip-completed' : 'chip-failed'}`,
              'data-testid': 'next-payout-verdict',
            },
            card.headline,
          )
        : null,
    ),
    !card
      ? h('p', { class: 'muted' }, 'Loading…')
      : h(
          'div',
          { class: 'next-payout-body' },
          card.reasons.length
            ? h(
                'ul',
                { class: 'next-payout-reasons', 'aria-label': card.payable ? 'Notes' : 'Why not' },
                card.reasons.map((r) =>
                  h(
                    'li',
                    {
                      key: `${r.code}-${r.currency ?? ''}`,
                      class: r.blocking ? 'reason-blocking' : 'reason-note',
                      'data-testid': `next-payout-reason-${r.code}`,
                      'data-blocking': String(r.blocking),
                    },
                    h('strong', null, r.currency ? `${r.label} (${r.currency})` : r.label),
                    h('span', { class: 'next-payout-todo' }, r.whatToDo),
                  ),
                ),
              )
            : null,
          card.currencies.length
            ? h(
                'ul',
                { class: 'next-payout-amounts', 'aria-label': 'Per currency' },
                card.currencies.map((c) =>
                  h(
                    'li',
                    {
                      key: c.currency,
                      'data-testid': `next-payout-${c.currency}`,
                      'data-outlook': c.outlook,
                      'data-minor': c.amountMinor,
                    },
                    h('span', { class: 'next-payout-currency' }, c.currency),
                    h('span', null, c.text),
                  ),
                ),
              )
            : h('p', { class: 'muted', 'data-testid': 'next-payout-none' }, 'Nothing is owed to you yet.'),
        ),
  );
}
