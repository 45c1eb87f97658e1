import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, AuditEntry } from './api-client';
import { formatWhen, shortId } from './format';

const FIELDS = [
  ['actor', 'Actor (key name)'],
  ['action', 'Action, e.g. payment.approve'],
  ['targetId', 'Target id'],
] as const;

/** `GET /audit` (admin keys): who did what, when, from where; filters applied as typed. */
export function AuditPanel(props: {
  api: ApiClient;
  refreshKey: string | number;
  onError: (e: unknown, context: string) => void;
}): ComponentChild {
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [items, setItems] = useState<AuditEntry[] | undefined>(undefined);
  const { api, onError } = props;

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      api.audit(filter).then(
        (rows) => !cancelled && setItems(rows),
        (e: unknown) => !cancelled && onError(e, 'Could not load the audit log'),
      );
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, filter, props.refreshKey, onError]);

  return h(
    'section',
    { class: 'panel panel-wide', 'aria-labelledby': 'audit-heading', 'data-testid': 'audit-panel' },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: 'audit-heading', class: 'panel-title' }, 'Audit log'),
      h(
        'div',
        { class: 'filters' },
        FIELDS.map(([key, label]) =>
          h(
            'div',
            { class: 'field', key },
            h('label', { for: `audit-${key}`, class: 'field-label' }, label),
            h('input', {
              id: `audit-${key}`,
              class: 'input',
              value: filter[key] ?? '',
              'data-testid': `audit-filter-${key}`,
              onInput: (e: Event) =>
                setFilter({ ...filter, [key]: (e.currentTarget as HTMLInputElement).value.trim() }),
            }),
          ),
        ),
      ),
    ),
    !items
      ? h('p', { class: 'muted' }, 'Loading…')
      : h(
          'table',
          { class: 'payments' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['When', 'Who', 'Action', 'Target', 'Status', 'From', 'Request'].map((c) =>
                h('th', { key: c, scope: 'col' }, c),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            items.map((a) =>
              h(
                'tr',
                { key: a.id, 'data-testid': 'audit-row', 'data-action': a.action },
                h(
                  'td',
                  null,
                  h('time', { dateTime: a.occurredAt, title: a.occurredAt }, formatWhen(a.occurredAt)),
                ),
                h('td', null, a.actor.name, h('span', { class: 'muted' }, ` (${a.actor.role})`)),
                h('td', null, h('code', { class: 'mono' }, a.action)),
                h(
                  'td',
                  null,
                  a.targetType,
                  a.targetId
                    ? h('code', { class: 'mono muted', title: a.targetId }, ` ${shortId(a.targetId)}`)
                    : null,
                ),
                h('td', { class: 'num' }, a.outcomeStatus),
                h('td', { class: 'muted' }, a.clientAddress ?? '—'),
                h('td', { class: 'mono muted small' }, a.requestId ? shortId(a.requestId) : '—'),
              ),
            ),
          ),
        ),
  );
}
