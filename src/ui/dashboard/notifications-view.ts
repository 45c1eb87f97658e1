import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, DeliveryAttempt, NotificationRecord, Partner } from './api-client';
import { formatWhen, shortId } from './format';

const CHANNELS = ['EMAIL', 'WEBHOOK', 'IN_APP'];
const STATUSES = ['FAILED', 'PENDING', 'SENT'];

/** Failed first (what needs a hand), then newest first within each status. */
export const failedFirst = (items: readonly NotificationRecord[]): NotificationRecord[] =>
  [...items].sort(
    (a, b) =>
      Number(b.status === 'FAILED') - Number(a.status === 'FAILED') || b.createdAt.localeCompare(a.createdAt),
  );

/**
 * Notifications with their delivery log and a redeliver button. Operators filter by partner; a
 * partner key (the portal) gets its own only, which the API enforces whatever is asked.
 */
export function NotificationsPanel(props: {
  api: ApiClient;
  partners?: ReadonlyMap<string, Partner>;
  /** Fixed for the portal; operators pick one (or none) in the filter. */
  partnerId?: string;
  canRedeliver: boolean;
  refreshKey: string | number;
  onError: (e: unknown, context: string) => void;
  onRedelivered?: (id: string) => void;
}): ComponentChild {
  const [filter, setFilter] = useState({ partnerId: '', channel: '', status: '' });
  const [items, setItems] = useState<NotificationRecord[] | undefined>(undefined);
  const [open, setOpen] = useState<string | null>(null);
  const [manual, setManual] = useState(0);
  const { api, onError } = props;
  const partnerId = props.partnerId ?? filter.partnerId;

  useEffect(() => {
    let cancelled = false;
    api
      .listNotifications({
        partnerId: partnerId || undefined,
        channel: filter.channel || undefined,
        status: filter.status || undefined,
      })
      .then(
        (rows) => !cancelled && setItems(failedFirst(rows)),
        (e: unknown) => !cancelled && onError(e, 'Could not load notifications'),
      );
    return () => {
      cancelled = true;
    };
  }, [api, partnerId, filter.channel, filter.status, props.refreshKey, manual, onError]);

  const select = (
    id: string,
    label: string,
    value: string,
    options: Array<[string, string]>,
    key: keyof typeof filter,
  ) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id, class: 'field-label' }, label),
      h(
        'select',
        {
          id,
          class: 'input',
          value,
          'data-testid': id,
          onChange: (e: Event) =>
            setFilter({ ...filter, [key]: (e.currentTarget as HTMLSelectElement).value }),
        },
        options.map(([v, l]) => h('option', { key: v, value: v }, l)),
      ),
    );

  return h(
    'section',
    {
      class: 'panel panel-wide',
      'aria-labelledby': 'notifications-heading',
      'data-testid': 'notifications-panel',
    },
    h(
      'div',
      { class: 'panel-head' },
      h(
        'h2',
        { id: 'notifications-heading', class: 'panel-title' },
        'Notifications ',
        h('span', { class: 'count' }, items?.length ?? 0),
      ),
      h(
        'div',
        { class: 'filters' },
        props.partnerId === undefined
          ? select(
              'notif-filter-partner',
              'Partner',
              filter.partnerId,
              [
                ['', 'All partners'],
                ...[...(props.partners?.values() ?? [])].map((p): [string, string] => [p.id, p.name]),
              ],
              'partnerId',
            )
          : null,
        select(
          'notif-filter-channel',
          'Channel',
          filter.channel,
          [['', 'All channels'], ...CHANNELS.map((c): [string, string] => [c, c])],
          'channel',
        ),
        select(
          'notif-filter-status',
          'Status',
          filter.status,
          [['', 'All statuses'], ...STATUSES.map((c): [string, string] => [c, c])],
          'status',
        ),
        h(
          'button',
          { type: 'button', class: 'button button-ghost', onClick: () => setManual((n) => n + 1) },
          'Refresh',
        ),
      ),
    ),
    !items
      ? h('p', { class: 'muted' }, 'Loading…')
      : items.length === 0
        ? h('p', { class: 'muted empty' }, 'No notifications match.')
        : h(
            'table',
            { class: 'payments notifications-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['When', 'Partner', 'Type', 'Channel', 'Status', 'Attempts', ''].map((c) =>
                  h('th', { key: c, scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              null,
              items.flatMap((n) => [
                h(
                  'tr',
                  {
                    key: n.id,
                    'data-testid': `notification-row-${n.id}`,
                    'data-status': n.status,
                    'data-channel': n.channel,
                  },
                  h('td', null, formatWhen(n.createdAt)),
                  h(
                    'td',
                    null,
                    props.partners?.get(n.partnerId)?.name ??
                      h('code', { class: 'mono' }, shortId(n.partnerId)),
                  ),
                  h(
                    'td',
                    null,
                    n.type,
                    n.paymentId ? h('span', { class: 'muted' }, ` · ${shortId(n.paymentId)}`) : null,
                  ),
                  h('td', null, n.channel),
                  h(
                    'td',
                    null,
                    h('span', { class: `chip chip-${n.status.toLowerCase()}` }, n.status),
                    n.lastError
                      ? h(
                          'span',
                          { class: 'muted small', title: n.lastError },
                          ` ${n.lastError.slice(0, 60)}`,
                        )
                      : null,
                  ),
                  h('td', { class: 'num' }, n.attempts),
                  h(
                    'td',
                    { class: 'actions' },
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'button button-small button-ghost',
                        'aria-expanded': open === n.id,
                        'data-testid': `attempts-${n.id}`,
                        onClick: () => setOpen(open === n.id ? null : n.id),
                      },
                      'Attempts',
                    ),
                    props.canRedeliver && n.status !== 'PENDING'
                      ? h(
                          'button',
                          {
                            type: 'button',
                            class: 'button button-small button-secondary',
                            'data-testid': `redeliver-${n.id}`,
                            onClick: () =>
                              api.redeliver(n.id).then(
                                () => {
                                  props.onRedelivered?.(n.id);
                                  setManual((m) => m + 1);
                                },
                                (e: unknown) => onError(e, `Could not redeliver ${shortId(n.id)}`),
                              ),
                          },
                          'Redeliver',
                        )
                      : null,
                  ),
                ),
                open === n.id
                  ? h(
                      'tr',
                      { key: `${n.id}-attempts`, class: 'detail-row' },
                      h(
                        'td',
                        { colSpan: 7 },
                        h(AttemptsList, { api, id: n.id, refreshKey: `${manual}`, onError }),
                      ),
                    )
                  : null,
              ]),
            ),
          ),
  );
}

function AttemptsList(props: {
  api: ApiClient;
  id: string;
  refreshKey: string;
  onError: (e: unknown, c: string) => void;
}): ComponentChild {
  const [attempts, setAttempts] = useState<DeliveryAttempt[] | undefined>(undefined);
  const { api, id, onError } = props;
  useEffect(() => {
    let cancelled = false;
    api.attempts(id).then(
      (a) => !cancelled && setAttempts(a),
      (e: unknown) => !cancelled && onError(e, 'Could not load delivery attempts'),
    );
    return () => {
      cancelled = true;
    };
  }, [api, id, props.refreshKey, onError]);
  if (!attempts) return h('p', { class: 'muted' }, 'Loading…');
  if (!attempts.length) return h('p', { class: 'muted' }, 'No delivery attempt yet.');
  return h(
    'ol',
    { class: 'history', 'data-testid': `attempt-list-${id}` },
    attempts.map((a) =>
      h(
        'li',
        { key: a.id, 'data-outcome': a.outcome, 'data-testid': 'delivery-attempt' },
        h('span', { class: `chip chip-${a.outcome === 'SUCCEEDED' ? 'sent' : 'failed'}` }, a.outcome),
        h('span', { class: 'mono muted' }, a.deliveryKey),
        a.httpStatus !== null ? h('span', null, `HTTP ${a.httpStatus}`) : null,
        h('span', { class: 'muted' }, `${a.durationMs} ms`),
        a.error ? h('span', { class: 'tl-failure' }, a.error) : null,
        a.responseExcerpt ? h('code', { class: 'mono muted small' }, a.responseExcerpt.slice(0, 120)) : null,
        h('time', { class: 'muted', dateTime: a.startedAt }, formatWhen(a.startedAt)),
      ),
    ),
  );
}
