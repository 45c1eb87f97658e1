import { Fragment, h, type ComponentChild } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient, ReconciliationDays, ReconciliationException } from './api-client';
import { formatAge } from './bank-file-state';
import { shortId } from './format';
import { formatMinor } from './money-format';
import {
  actionFor,
  dayRows,
  EXCEPTION_KIND_CHOICES,
  exceptionMoney,
  exceptionQueue,
  kindLabel,
  needsSecondOperator,
  REASON_MAX,
  resolutionDraft,
  statusesFor,
  writeOffMinor,
  type QueueFilter,
  initialQueueFilter,
} from './reconciliation-state';
import { StatusChip } from './status-chip';
import type { PushToast } from './toasts';
import { useThrottledReload } from './use-throttled-reload';

/** Exceptions are not streamed: re-read this often while the page is open. */
const POLL_MS = 5_000;
const EVENT_REFETCH_MS = 1_000;
const DAYS = 14;

export interface ReconciliationPanelProps {
  api: ApiClient;
  apiKey: string;
  /** The key may resolve exceptions and fetch statements (operator, admin). */
  canAct: boolean;
  /** The signed-in key's name: its own write-off proposal waits for someone else. */
  actor: string | undefined;
  /** The stream's position: payouts moving change the day totals. */
  refreshKey: string | number;
  locale: string | undefined;
  onError: (e: unknown, context: string) => void;
  push: PushToast;
  onSelectPayment: (paymentId: string) => void;
}

/**
 * Reconciliation with the bank's statements: per execution day and account, what we sent by file
 * against what the statements booked or returned, and the exception queue (oldest first) that an
 * operator works through with a reason; a large write-off waits for a second operator.
 */
export function ReconciliationPanel(props: ReconciliationPanelProps): ComponentChild {
  const { api, apiKey, onError } = props;
  const [days, setDays] = useState<ReconciliationDays | undefined>(undefined);
  const [items, setItems] = useState<ReconciliationException[] | undefined>(undefined);
  const [filter, setFilter] = useState<QueueFilter>(initialQueueFilter);
  const [fetching, setFetching] = useState(false);
  const failing = useRef(false);

  const load = useCallback(() => {
    Promise.all([
      api.reconciliationDays(DAYS),
      Promise.all(
        statusesFor(filter.show).map((status) => api.reconciliationExceptions({ kind: filter.kind, status })),
      ),
    ]).then(
      ([d, lists]) => {
        failing.current = false;
        setDays(d);
        setItems(lists.flat());
      },
      (e: unknown) => {
        if (!failing.current) onError(e, 'Could not load reconciliation');
        failing.current = true;
      },
    );
  }, [api, onError, filter.kind, filter.show]);

  useEffect(() => load(), [load, apiKey]);
  useThrottledReload(props.refreshKey, EVENT_REFETCH_MS, load);
  useEffect(() => {
    const t = setInterval(load, POLL_MS);
    return () => clearInterval(t);
  }, [load]);

  const fetchNow = () => {
    setFetching(true);
    api
      .fetchStatements()
      .then(
        (r) => {
          const applied = r.statements.filter((s) => s.applied).length + r.notices.length;
          props.push({ kind: 'success', title: `Statements fetched: ${applied} new document(s)` });
          load();
        },
        (e: unknown) => onError(e, 'Could not fetch statements'),
      )
      .finally(() => setFetching(false));
  };

  const queue = items ? exceptionQueue(items, filter) : undefined;
  return h(
    Fragment,
    null,
    h(DaysPanel, {
      days,
      locale: props.locale,
      canAct: props.canAct,
      fetching,
      onFetch: fetchNow,
    }),
    h(
      'section',
      {
        class: `panel panel-wide${queue?.length ? ' panel-alert' : ''}`,
        'aria-labelledby': 'recon-exceptions-heading',
        'data-testid': 'recon-exceptions',
      },
      h(
        'div',
        { class: 'panel-head' },
        h(
          'h2',
          { id: 'recon-exceptions-heading', class: 'panel-title' },
          'Exceptions ',
          h('span', { class: 'count', 'data-testid': 'recon-exceptions-count' }, queue?.length ?? 0),
        ),
        h(
          'div',
          { class: 'recon-filters filters' },
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'recon-filter-kind', class: 'field-label' }, 'Kind'),
            h(
              'select',
              {
                id: 'recon-filter-kind',
                class: 'input',
                value: filter.kind,
                'data-testid': 'recon-filter-kind',
                onChange: (e: Event) =>
                  setFilter({
                    ...filter,
                    kind: (e.currentTarget as HTMLSelectElement).value as QueueFilter['kind'],
                  }),
              },
              h('option', { value: '' }, 'All kinds'),
              EXCEPTION_KIND_CHOICES.map((k) => h('option', { key: k, value: k }, kindLabel(k))),
            ),
          ),
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'recon-filter-show', class: 'field-label' }, 'Show'),
            h(
              'select',
              {
                id: 'recon-filter-show',
                class: 'input',
                value: filter.show,
                'data-testid': 'recon-filter-show',
                onChange: (e: Event) =>
                  setFilter({
                    ...filter,
                    show: (e.currentTarget as HTMLSelectElement).value as QueueFilter['show'],
                  }),
              },
              h('option', { value: 'open' }, 'Needing action'),
              h('option', { value: 'all' }, 'All, resolved too'),
            ),
          ),
        ),
      ),
      !queue
        ? h('p', { class: 'muted' }, 'Loading…')
        : queue.length === 0
          ? h(
              'p',
              { class: 'muted panel-note', 'data-testid': 'recon-exceptions-empty' },
              filter.show === 'open' ? 'Nothing to resolve: every statement line matched.' : 'No exceptions.',
            )
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'payments', 'data-testid': 'recon-exceptions-table' },
                h('caption', { class: 'visually-hidden' }, 'Reconciliation exceptions, oldest first'),
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    ['Kind', 'Reference', 'Bank amount', 'Expected', 'Payment', 'Age', 'Status', ''].map(
                      (c, i) =>
                        h(
                          'th',
                          {
                            key: i,
                            scope: 'col',
                            class: c.includes('mount') || c === 'Expected' ? 'num' : '',
                          },
                          c,
                        ),
                    ),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  queue.map((e) =>
                    h(ExceptionRow, {
                      key: e.id,
                      exception: e,
                      aboveMinor: days?.writeOffFourEyesAboveMinor,
                      props,
                      onResolved: load,
                    }),
                  ),
                ),
              ),
            ),
    ),
  );
}

function DaysPanel(p: {
  days: ReconciliationDays | undefined;
  locale: string | undefined;
  canAct: boolean;
  fetching: boolean;
  onFetch: () => void;
}): ComponentChild {
  const rows = p.days ? dayRows(p.days.items, p.locale) : undefined;
  return h(
    'section',
    { class: 'panel panel-wide', 'aria-labelledby': 'reconciliation-heading', 'data-testid': 'recon-days' },
    h(
      'div',
      { class: 'panel-head' },
      h(
        'h2',
        { id: 'reconciliation-heading', class: 'panel-title', tabIndex: -1 },
        'Reconciliation ',
        h('span', { class: 'muted small' }, p.days ? `${p.days.from} – ${p.days.to}` : ''),
      ),
      h(
        'span',
        { class: 'recon-filters' },
        h('span', { class: 'muted small' }, 'payouts by bank file against the bank’s statements'),
        p.canAct
          ? h(
              'button',
              {
                type: 'button',
                class: 'button button-small',
                disabled: p.fetching,
                'aria-busy': p.fetching,
                'data-testid': 'recon-fetch',
                onClick: p.onFetch,
              },
              p.fetching ? 'Fetching…' : 'Fetch statements now',
            )
          : null,
      ),
    ),
    !rows
      ? h('p', { class: 'muted' }, 'Loading…')
      : rows.length === 0
        ? h(
            'p',
            { class: 'muted panel-note', 'data-testid': 'recon-days-empty' },
            'No payouts by bank file in these days.',
          )
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'payments', 'data-testid': 'recon-days-table' },
              h(
                'caption',
                { class: 'visually-hidden' },
                'Expected against booked, per day, account and currency',
              ),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', { scope: 'col' }, 'Execution day'),
                  h('th', { scope: 'col' }, 'Account'),
                  h('th', { scope: 'col' }, 'Currency'),
                  h('th', { scope: 'col', class: 'num' }, 'Expected'),
                  h('th', { scope: 'col', class: 'num' }, 'Booked'),
                  h('th', { scope: 'col', class: 'num' }, 'Returned'),
                  h('th', { scope: 'col', class: 'num' }, 'Awaiting statement'),
                  h('th', { scope: 'col' }, ''),
                ),
              ),
              h(
                'tbody',
                null,
                rows.map((r) => {
                  const id = r.key.replace(/\|/g, '-');
                  const cell = (name: string, text: string, t: { count: number; amountMinor: string }) =>
                    h(
                      'td',
                      {
                        class: 'num amount',
                        'data-testid': `recon-${name}-${id}`,
                        'data-minor': t.amountMinor,
                        'data-count': t.count,
                      },
                      text,
                      h('span', { class: 'muted small' }, ` (${t.count})`),
                    );
                  return h(
                    'tr',
                    {
                      key: r.key,
                      class: r.settled ? '' : 'recon-day-open',
                      'data-testid': `recon-day-${id}`,
                      'data-settled': r.settled,
                    },
                    h('td', { class: 'mono' }, r.day.date),
                    h('td', { class: 'mono' }, r.day.account),
                    h('td', null, r.day.currency),
                    cell('expected', r.expected, r.day.expected),
                    cell('booked', r.booked, r.day.booked),
                    cell('returned', r.returned, r.day.returned),
                    cell('awaiting', r.awaiting, r.day.awaiting),
                    h(
                      'td',
                      null,
                      h(StatusChip, {
                        status: r.settled ? 'BOOKED' : 'AWAITING_STATEMENT',
                        small: true,
                      }),
                    ),
                  );
                }),
              ),
            ),
          ),
  );
}

function ExceptionRow(p: {
  exception: ReconciliationException;
  aboveMinor: number | undefined;
  props: ReconciliationPanelProps;
  onResolved: () => void;
}): ComponentChild {
  const { exception: e, props } = p;
  const [open, setOpen] = useState(false);
  const action = actionFor(e, { canAct: props.canAct, actor: props.actor });
  const formId = `recon-resolve-${e.id}`;
  return h(
    Fragment,
    null,
    h(
      'tr',
      {
        'data-testid': `recon-exception-${e.id}`,
        'data-kind': e.kind,
        'data-status': e.status,
        'data-payment-id': e.paymentId ?? '',
      },
      h('td', null, h('strong', null, kindLabel(e.kind)), h('div', { class: 'muted small' }, e.detail)),
      h('td', null, e.reference ? h('code', { class: 'mono', title: e.reference }, e.reference) : '—'),
      h(
        'td',
        {
          class: 'num amount',
          'data-testid': `recon-exception-amount-${e.id}`,
          'data-minor': e.amountMinor ?? '',
        },
        exceptionMoney(e.amountMinor, e.currency, props.locale),
      ),
      h(
        'td',
        { class: 'num amount', 'data-minor': e.expectedMinor ?? '' },
        exceptionMoney(e.expectedMinor, e.currency, props.locale),
      ),
      h(
        'td',
        null,
        e.paymentId
          ? h(
              'button',
              {
                type: 'button',
                class: 'link-button mono',
                title: `Open payment ${e.paymentId}`,
                'data-testid': `recon-exception-payment-${e.id}`,
                onClick: () => props.onSelectPayment(e.paymentId!),
              },
              shortId(e.paymentId),
            )
          : '—',
      ),
      h(
        'td',
        { class: 'muted' },
        h('time', { dateTime: e.createdAt, title: e.createdAt }, formatAge(e.createdAt)),
      ),
      h(
        'td',
        null,
        h(StatusChip, { status: e.status, testId: `recon-exception-status-${e.id}` }),
        e.status === 'AWAITING_SECOND_APPROVAL' && e.proposedBy
          ? h('div', { class: 'muted small' }, `proposed by ${e.proposedBy}`)
          : e.status === 'RESOLVED'
            ? h('div', { class: 'muted small' }, `${e.resolution ?? ''} by ${e.resolvedBy ?? '—'}`)
            : null,
      ),
      h(
        'td',
        null,
        action === 'resolve' || action === 'confirm'
          ? h(
              'button',
              {
                type: 'button',
                class: 'button button-small',
                'aria-expanded': open,
                'aria-controls': formId,
                'data-testid': `recon-exception-resolve-${e.id}`,
                onClick: () => setOpen(!open),
              },
              action === 'confirm' ? 'Confirm…' : 'Resolve…',
            )
          : action === 'own-proposal'
            ? h('span', { class: 'muted small' }, 'awaiting another operator')
            : action === 'read-only'
              ? h('span', { class: 'muted small' }, 'operators only')
              : null,
      ),
    ),
    open && (action === 'resolve' || action === 'confirm')
      ? h(
          'tr',
          { class: 'detail-row', id: formId },
          h(
            'td',
            { colSpan: 8 },
            h(ResolveForm, {
              exception: e,
              confirming: action === 'confirm',
              aboveMinor: p.aboveMinor,
              props,
              onDone: () => {
                setOpen(false);
                p.onResolved();
              },
            }),
          ),
        )
      : null,
  );
}

function ResolveForm(p: {
  exception: ReconciliationException;
  confirming: boolean;
  aboveMinor: number | undefined;
  props: ReconciliationPanelProps;
  onDone: () => void;
}): ComponentChild {
  const { exception: e, props } = p;
  // A second operator confirms what was proposed: the API refuses another resolution.
  const [resolution, setResolution] = useState<'EXPLAINED' | 'WRITE_OFF'>(
    p.confirming && e.resolution ? e.resolution : 'EXPLAINED',
  );
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fourEyes =
    !p.confirming &&
    resolution === 'WRITE_OFF' &&
    p.aboveMinor !== undefined &&
    needsSecondOperator(e, p.aboveMinor);
  const gap = writeOffMinor(e);

  const submit = (ev: Event) => {
    ev.preventDefault();
    const draft = resolutionDraft(resolution, reason);
    if (!draft.ok) return setProblem(draft.message);
    setProblem(null);
    setBusy(true);
    props.api
      .resolveException(e.id, draft.body)
      .then(
        (out) => {
          props.push({
            kind: 'success',
            title:
              out.status === 'RESOLVED'
                ? `Exception ${e.id} resolved`
                : `Exception ${e.id}: write-off awaits a second operator`,
          });
          p.onDone();
        },
        (err: unknown) => props.onError(err, `Could not resolve exception ${e.id}`),
      )
      .finally(() => setBusy(false));
  };

  return h(
    'form',
    {
      class: 'recon-resolve',
      onSubmit: submit,
      'data-testid': `recon-resolve-form-${e.id}`,
      noValidate: true,
    },
    h(
      'div',
      { class: 'field' },
      h('label', { for: `recon-resolution-${e.id}`, class: 'field-label' }, 'Resolution'),
      h(
        'select',
        {
          id: `recon-resolution-${e.id}`,
          class: 'input',
          value: resolution,
          disabled: p.confirming,
          'data-testid': 'recon-resolution',
          onChange: (ev: Event) =>
            setResolution((ev.currentTarget as HTMLSelectElement).value as 'EXPLAINED' | 'WRITE_OFF'),
        },
        h('option', { value: 'EXPLAINED' }, 'Explained (nothing given up)'),
        h(
          'option',
          { value: 'WRITE_OFF' },
          e.currency && gap <= BigInt(Number.MAX_SAFE_INTEGER)
            ? `Write off ${formatMinor(Number(gap), e.currency, props.locale)}`
            : 'Write off',
        ),
      ),
    ),
    p.confirming
      ? h(
          'p',
          { class: 'recon-four-eyes', 'data-testid': 'recon-confirming' },
          `${e.proposedBy ?? 'Another operator'} proposed this write-off: your confirmation resolves it.`,
        )
      : null,
    fourEyes
      ? h(
          'p',
          { class: 'recon-four-eyes', role: 'note', 'data-testid': 'recon-four-eyes' },
          `Above ${e.currency ? formatMinor(p.aboveMinor!, e.currency, props.locale) : p.aboveMinor}: a second operator must confirm this write-off.`,
        )
      : null,
    h(
      'div',
      { class: 'field' },
      h('label', { for: `recon-reason-${e.id}`, class: 'field-label' }, 'Reason (audited)'),
      h('textarea', {
        id: `recon-reason-${e.id}`,
        class: 'input',
        maxLength: REASON_MAX,
        value: reason,
        'data-testid': 'recon-reason',
        'aria-invalid': problem ? 'true' : undefined,
        onInput: (ev: Event) => setReason((ev.currentTarget as HTMLTextAreaElement).value),
      }),
    ),
    problem
      ? h('p', { class: 'field-error', role: 'alert', 'data-testid': 'recon-reason-error' }, problem)
      : null,
    h(
      'div',
      null,
      h(
        'button',
        {
          type: 'submit',
          class: 'button button-small',
          disabled: busy,
          'data-testid': 'recon-resolve-submit',
        },
        p.confirming ? 'Confirm write-off' : fourEyes ? 'Propose write-off' : 'Resolve',
      ),
    ),
  );
}
