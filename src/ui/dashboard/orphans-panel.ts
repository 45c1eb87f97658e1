import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, OrphanedPayment } from './api-client';
import { formatWhen, shortId, statusLabel } from './format';
import { formatMinor } from './money-format';

/**
 * Orphaned payments: their workflow has ended while they have not, so nothing moves them any more.
 * Shown only when there are some (the janitor finds them), each with the operator's repair.
 * Refreshed with the event stream's position and after each recovery.
 */
export function OrphansPanel(props: {
  api: ApiClient;
  canAct: boolean;
  refreshKey: string | number;
  locale?: string;
  onError: (e: unknown, context: string) => void;
  onRecovered: (paymentId: string) => void;
}): ComponentChild {
  const { api, onError } = props;
  const [items, setItems] = useState<OrphanedPayment[]>([]);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [reloaded, setReloaded] = useState(0);

  useEffect(() => {
    let cancelled = false;
    api.listOrphans().then(
      (rows) => !cancelled && setItems(rows),
      // Viewers without the route, or an API that is down: nothing to show is not an error here.
      () => !cancelled && setItems([]),
    );
    return () => {
      cancelled = true;
    };
  }, [api, props.refreshKey, reloaded]);

  if (items.length === 0) return null;
  const recover = (paymentId: string): void => {
    setBusy(paymentId);
    api.recover(paymentId).then(
      () => {
        setBusy(undefined);
        props.onRecovered(paymentId);
        setReloaded((n) => n + 1);
      },
      (e: unknown) => {
        setBusy(undefined);
        onError(e, `Could not recover payment ${shortId(paymentId)}`);
      },
    );
  };
  return h(
    'section',
    { class: 'panel panel-alert', 'aria-labelledby': 'orphans-heading', 'data-testid': 'orphans-panel' },
    h(
      'div',
      { class: 'panel-head' },
      h(
        'h2',
        { id: 'orphans-heading', class: 'panel-title' },
        'Orphaned payments ',
        h('span', { class: 'count', 'data-testid': 'orphans-count' }, items.length),
      ),
      h(
        'p',
        { class: 'hint' },
        'Their workflow has ended while the payment has not: nothing moves them any more. ',
        'Recover restarts the workflow from the recorded state; a payout is asked of the bank under the same key, so it is never paid twice.',
      ),
    ),
    h(
      'table',
      { class: 'table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Payment', 'Amount', 'Payment status', 'Workflow', 'Since', ''].map((c) => h('th', { key: c }, c)),
        ),
      ),
      h(
        'tbody',
        null,
        items.map((o) =>
          h(
            'tr',
            { key: o.paymentId, 'data-testid': `orphan-${o.paymentId}` },
            h('td', { class: 'mono', title: o.paymentId }, shortId(o.paymentId)),
            h('td', { class: 'num' }, formatMinor(o.totalMinor, o.currency, props.locale)),
            h('td', null, statusLabel(o.paymentStatus)),
            h('td', null, o.workflowStatus.toLowerCase().replace(/_/g, ' ')),
            h('td', { title: o.orphanedAt }, formatWhen(o.orphanedAt)),
            h(
              'td',
              null,
              props.canAct
                ? h(
                    'button',
                    {
                      class: 'btn btn-small',
                      disabled: busy === o.paymentId,
                      'data-testid': `recover-${o.paymentId}`,
                      onClick: () => recover(o.paymentId),
                    },
                    busy === o.paymentId ? 'Recovering…' : 'Recover',
                  )
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}
