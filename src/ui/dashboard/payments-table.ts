import { Fragment, h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiClient, Partner, PaymentAction } from './api-client';
import {
  availableActions,
  PAYMENT_STATUSES,
  type FeedEntry,
  type PaymentFilter,
  type PaymentRow,
} from './dashboard-state';
import { eventLabel, formatWhen, shortId, statusLabel } from './format';
import { formatMinor } from './money-format';
import { PaymentTimelinePanel } from './payment-timeline';
import { PayoutAttemptsPanel } from './payout-attempts';
import { StatusChip } from './status-chip';

/** Rendering thousands of rows helps nobody; filters narrow the list instead. */
const MAX_ROWS = 200;

const ACTION_LABELS: Record<PaymentAction, string> = {
  approve: 'Approve',
  reject: 'Reject',
  cancel: 'Cancel',
  refund: 'Refund',
};
const ACTION_STYLE: Record<PaymentAction, string> = {
  approve: 'button-success',
  reject: 'button-danger',
  cancel: 'button-secondary',
  refund: 'button-secondary',
};

export interface PaymentsTableProps {
  rows: PaymentRow[];
  totalCount: number;
  partners: ReadonlyMap<string, Partner>;
  notifications: Readonly<Record<string, readonly FeedEntry[]>>;
  history: Readonly<Record<string, readonly FeedEntry[]>>;
  busy: ReadonlySet<string>;
  /** False for keys whose role may only look (viewer, partner): no action buttons. */
  canAct: boolean;
  locale: string | undefined;
  workflowUrl: (row: PaymentRow) => string;
  /** Reads each open drawer's timeline; without it the drawer shows no timeline. */
  api?: ApiClient;
  onAction: (row: PaymentRow, action: PaymentAction, reason: string | undefined) => void;
}

export function PaymentFilters(props: {
  filter: PaymentFilter;
  partners: ReadonlyMap<string, Partner>;
  counts: Record<string, number>;
  onChange: (f: PaymentFilter) => void;
}): ComponentChild {
  const { filter, onChange } = props;
  return h(
    'div',
    { class: 'filters' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'filter-partner', class: 'field-label' }, 'Partner'),
      h(
        'select',
        {
          id: 'filter-partner',
          class: 'input',
          value: filter.partnerId,
          'data-testid': 'filter-partner',
          onChange: (e: Event) =>
            onChange({ ...filter, partnerId: (e.currentTarget as HTMLSelectElement).value }),
        },
        h('option', { value: '' }, 'All partners'),
        [...props.partners.values()].map((p) => h('option', { key: p.id, value: p.id }, p.name)),
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'filter-status', class: 'field-label' }, 'Status'),
      h(
        'select',
        {
          id: 'filter-status',
          class: 'input',
          value: filter.status,
          'data-testid': 'filter-status',
          onChange: (e: Event) =>
            onChange({ ...filter, status: (e.currentTarget as HTMLSelectElement).value }),
        },
        h('option', { value: '' }, 'All statuses'),
        PAYMENT_STATUSES.map((s) =>
          h('option', { key: s, value: s }, `${statusLabel(s)} (${props.counts[s] ?? 0})`),
        ),
      ),
    ),
    filter.partnerId || filter.status
      ? h(
          'button',
          {
            type: 'button',
            class: 'button button-ghost filters-clear',
            'data-testid': 'filter-clear',
            onClick: () => onChange({ partnerId: '', status: '' }),
          },
          'Clear filters',
        )
      : null,
  );
}

export function PaymentsTable(props: PaymentsTableProps): ComponentChild {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const toggle = (id: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const shown = props.rows.slice(0, MAX_ROWS);

  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'payments', 'data-testid': 'payments-table' },
      h('caption', { class: 'visually-hidden' }, 'Payments, newest first, updated live'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col', class: 'col-expand' }, h('span', { class: 'visually-hidden' }, 'Details')),
          h('th', { scope: 'col' }, 'Payment'),
          h('th', { scope: 'col' }, 'Partner'),
          h('th', { scope: 'col', class: 'num' }, 'Amount'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col', class: 'col-actions' }, 'Actions'),
        ),
      ),
      h(
        'tbody',
        null,
        shown.length === 0
          ? h(
              'tr',
              null,
              h(
                'td',
                { colSpan: 6, class: 'empty', 'data-testid': 'payments-empty' },
                props.totalCount === 0
                  ? 'No payments yet. Create one with the form on the right.'
                  : 'No payments match these filters.',
              ),
            )
          : shown.map((row) =>
              h(PaymentRowView, {
                key: row.id,
                row,
                props,
                open: expanded.has(row.id),
                toggle: () => toggle(row.id),
                reason: reasons[row.id] ?? '',
                setReason: (r: string) => setReasons((rs) => ({ ...rs, [row.id]: r })),
              }),
            ),
      ),
    ),
    props.rows.length > MAX_ROWS
      ? h(
          'p',
          { class: 'table-note' },
          `Showing the newest ${MAX_ROWS} of ${props.rows.length}; filter to narrow.`,
        )
      : null,
  );
}

function PaymentRowView(p: {
  row: PaymentRow;
  props: PaymentsTableProps;
  open: boolean;
  toggle: () => void;
  reason: string;
  setReason: (r: string) => void;
}): ComponentChild {
  const { row, props } = p;
  const partner = props.partners.get(row.partnerId);
  const busy = props.busy.has(row.id);
  const detailId = `payment-detail-${row.id}`;
  const notifications = props.notifications[row.id] ?? [];
  return h(
    Fragment,
    null,
    h(
      'tr',
      {
        class: `row${p.open ? ' row-open' : ''}`,
        'data-testid': `payment-row-${row.id}`,
        'data-status': row.status,
      },
      h(
        'td',
        { class: 'col-expand' },
        h(
          'button',
          {
            type: 'button',
            class: 'icon-button expand',
            'aria-expanded': p.open,
            'aria-controls': detailId,
            'aria-label': `${p.open ? 'Hide' : 'Show'} details of payment ${shortId(row.id)}`,
            'data-testid': `expand-${row.id}`,
            onClick: p.toggle,
          },
          h('span', { class: 'chevron', 'aria-hidden': 'true' }, '›'),
        ),
        notifications.length
          ? h(
              'span',
              { class: 'badge', title: `${notifications.length} notification(s)` },
              notifications.length,
            )
          : null,
      ),
      h(
        'td',
        { class: 'payment-cell' },
        h('code', { class: 'mono payment-id', title: row.id }, shortId(row.id)),
        h(
          'span',
          { class: 'payment-meta' },
          h(
            'time',
            { dateTime: row.createdAt, title: `created ${row.createdAt}` },
            formatWhen(row.createdAt),
          ),
          h('span', { 'aria-hidden': 'true' }, ' · '),
          h(
            'a',
            {
              class: 'link',
              href: props.workflowUrl(row),
              target: '_blank',
              rel: 'noopener noreferrer',
              'data-testid': `temporal-link-${row.id}`,
            },
            'Temporal',
            h('span', { 'aria-hidden': 'true' }, ' ↗'),
            h(
              'span',
              { class: 'visually-hidden' },
              ` workflow of payment ${shortId(row.id)} (opens in a new tab)`,
            ),
          ),
        ),
      ),
      h(
        'td',
        { class: 'partner', title: partner?.name ?? row.partnerId },
        partner?.name ?? h('code', { class: 'mono', title: row.partnerId }, shortId(row.partnerId)),
      ),
      h(
        'td',
        {
          class: 'num amount',
          'data-testid': `amount-${row.id}`,
          'data-minor': row.totalMinor,
          'data-currency': row.currency,
        },
        formatMinor(row.totalMinor, row.currency, props.locale),
      ),
      h('td', null, h(StatusChip, { status: row.status, testId: `status-${row.id}` })),
      h(
        'td',
        { class: 'col-actions' },
        h(
          'div',
          { class: 'actions' },
          (props.canAct ? availableActions(row.status) : []).map((action) =>
            h(
              'button',
              {
                key: action,
                type: 'button',
                class: `button button-small ${ACTION_STYLE[action]}`,
                disabled: busy,
                'aria-busy': busy,
                'aria-label': `${ACTION_LABELS[action]} payment ${shortId(row.id)}`,
                'data-testid': `${action}-${row.id}`,
                onClick: () => props.onAction(row, action, p.reason.trim() || undefined),
              },
              ACTION_LABELS[action],
            ),
          ),
        ),
      ),
    ),
    p.open
      ? h(
          'tr',
          { class: 'detail-row', id: detailId, 'data-testid': detailId },
          h('td', { colSpan: 6 }, h(PaymentDetail, { ...p, notifications })),
        )
      : null,
  );
}

function PaymentDetail(p: {
  row: PaymentRow;
  props: PaymentsTableProps;
  reason: string;
  setReason: (r: string) => void;
  notifications: readonly FeedEntry[];
}): ComponentChild {
  const { row, props } = p;
  const reasonId = `reason-${row.id}`;
  const people: Array<[string, string | null]> = [
    ['Created by', row.createdBy],
    ['Approved by', row.approvedBy],
    ['Decided by', row.decidedBy === row.approvedBy ? null : row.decidedBy],
    ['Reason', row.reason],
  ];
  return h(
    'div',
    { class: 'detail' },
    h(
      'div',
      { class: 'detail-col' },
      h('h3', { class: 'detail-title' }, 'Payment'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'ID'),
        h('dd', null, h('code', { class: 'mono' }, row.id)),
        ...people.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
        h('dt', null, 'Updated'),
        h('dd', null, formatWhen(row.updatedAt)),
      ),
      props.canAct && availableActions(row.status).some((a) => a !== 'approve')
        ? h(
            'div',
            { class: 'field' },
            h('label', { for: reasonId, class: 'field-label' }, 'Reason (sent with reject, cancel, refund)'),
            h('input', {
              id: reasonId,
              class: 'input',
              maxLength: 500,
              value: p.reason,
              'data-testid': reasonId,
              onInput: (e: Event) => p.setReason((e.currentTarget as HTMLInputElement).value),
            }),
          )
        : null,
    ),
    h(
      'div',
      { class: 'detail-col' },
      h('h3', { class: 'detail-title' }, `Lines (${row.lines.length})`),
      row.lines.length
        ? h(
            'table',
            { class: 'lines' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, 'Reference'),
                h('th', { class: 'num' }, 'Amount'),
                h('th', null, 'Description'),
              ),
            ),
            h(
              'tbody',
              null,
              row.lines.map((l) =>
                h(
                  'tr',
                  { key: l.reference },
                  h('td', null, h('code', { class: 'mono' }, l.reference)),
                  h('td', { class: 'num' }, formatMinor(l.amountMinor, row.currency, props.locale)),
                  h('td', { class: 'muted' }, l.description || '—'),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Lines arrive with the payment record.'),
    ),
    h(
      'div',
      { class: 'detail-col', 'data-testid': `history-${row.id}` },
      h('h3', { class: 'detail-title' }, 'History (live)'),
      (props.history[row.id] ?? []).length
        ? h(
            'ol',
            { class: 'history' },
            (props.history[row.id] ?? []).map((e) =>
              h(
                'li',
                { key: e.position, 'data-position': e.position, 'data-type': e.event.type },
                h('span', { class: 'mono muted' }, `#${e.position}`),
                h('span', null, eventLabel(e.event.type)),
                typeof e.event.data.actor === 'string'
                  ? h('span', { class: 'muted' }, `by ${e.event.data.actor}`)
                  : null,
                h('time', { class: 'muted', dateTime: e.event.occurredAt }, formatWhen(e.event.occurredAt)),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Events will appear here as they happen.'),
    ),
    props.api
      ? h(PayoutAttemptsPanel, {
          api: props.api,
          paymentId: row.id,
          refreshKey: `${row.status}:${row.updatedAt}`,
        })
      : null,
    props.api
      ? h(PaymentTimelinePanel, {
          api: props.api,
          paymentId: row.id,
          refreshKey: `${row.status}:${row.updatedAt}`,
          workflowUrl: props.workflowUrl(row),
        })
      : null,
    h(
      'div',
      { class: 'detail-col', 'data-testid': `notifications-${row.id}` },
      h('h3', { class: 'detail-title' }, `Notifications (${p.notifications.length})`),
      p.notifications.length
        ? h(
            'ul',
            { class: 'notifications' },
            p.notifications.map((n) =>
              h(
                'li',
                { key: n.position, 'data-testid': `notification-${n.position}` },
                h('span', null, eventLabel(n.event.type)),
                describeNotification(n),
                h('time', { class: 'muted', dateTime: n.event.occurredAt }, formatWhen(n.event.occurredAt)),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No notifications for this payment yet.'),
    ),
  );
}

function describeNotification(n: FeedEntry): ComponentChild {
  const d = n.event.data;
  const parts = [d.channel, d.recipient ?? d.to, d.status].filter((v): v is string => typeof v === 'string');
  return parts.length ? h('span', { class: 'muted' }, ` · ${parts.join(' · ')}`) : null;
}
