import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, PaymentPayout } from './api-client';
import { formatWhen } from './format';
import { StatusChip } from './status-chip';

/**
 * Where the payout went (PAYOUT_ROUTES): its provider and each attempt in order, with the
 * provider's reason — a DECLINED attempt is why the next provider was tried, or why it failed.
 * Read from `GET /payments/:id` when the drawer opens and again when the payment moves; the list
 * answer does not carry it.
 */
export function PayoutAttemptsPanel(props: {
  api: ApiClient;
  paymentId: string;
  /** Changes when the payment moved (its status), so an open drawer stays current. */
  refreshKey: string;
}): ComponentChild {
  const { api, paymentId } = props;
  // `null`: read, and not routed (yet); `undefined`: not read yet.
  const [payout, setPayout] = useState<PaymentPayout | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.getPayment(paymentId).then(
      (p) => {
        if (cancelled) return;
        setPayout(p.payout ?? null);
        setError(null);
      },
      (e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, paymentId, props.refreshKey]);

  return h(
    'div',
    {
      class: 'detail-col',
      'data-testid': `payout-${paymentId}`,
      'data-provider': payout?.provider ?? '',
    },
    h('h3', { class: 'detail-title' }, 'Payout'),
    error ? h('p', { class: 'muted', role: 'alert' }, `Could not load the payout: ${error}`) : null,
    payout === undefined
      ? error
        ? null
        : h('p', { class: 'muted' }, 'Loading…')
      : payout === null
        ? h('p', { class: 'muted' }, 'Not routed to a provider yet.')
        : [
            h(
              'dl',
              { class: 'facts', key: 'facts' },
              h('dt', null, 'Provider'),
              h(
                'dd',
                { 'data-testid': `payout-provider-${paymentId}` },
                h('code', { class: 'mono' }, payout.provider ?? '—'),
              ),
            ),
            h(
              'ol',
              { class: 'attempts', key: 'attempts' },
              payout.attempts.map((a) =>
                h(
                  'li',
                  {
                    key: a.attempt,
                    'data-testid': 'payout-attempt',
                    'data-attempt': a.attempt,
                    'data-provider': a.provider,
                    'data-status': a.status,
                  },
                  h('code', { class: 'mono' }, a.provider),
                  h(StatusChip, { status: a.status, small: true }),
                  a.reason ? h('span', { class: 'tl-failure', title: a.reason }, a.reason) : null,
                  h('time', { class: 'muted', dateTime: a.at, title: a.at }, formatWhen(a.at)),
                ),
              ),
            ),
          ],
  );
}
