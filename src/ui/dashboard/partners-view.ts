import { h, Fragment, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, Partner, PartnerListItem, PayoutRoute } from './api-client';
import { formatWhen } from './format';
import { PartnerMethodsRow } from './partner-methods';
import {
  isPayabilityFilter,
  matchesPayability,
  PAYABILITY_FILTERS,
  payabilityCell,
  type PayabilityFilter,
} from './payability-state';

const COLUMNS = ['Partner', 'Account', 'Webhook', 'Status', 'Payability', 'Actions'] as const;

/** Case-insensitive match on name, email or id. */
export const matchesPartner = (p: Partner, search: string): boolean => {
  const s = search.trim().toLowerCase();
  return !s || [p.name, p.email ?? '', p.id].some((v) => v.toLowerCase().includes(s));
};

/**
 * Partners: list, search, create, edit (name, email, webhook), payout holds, webhook secret
 * rotation, and payout-account changes through the request → approval (another operator) flow.
 * "Methods" opens a partner's payout methods (masked) with the route that would pay each.
 * Each row says whether the partner is payable and why not, filterable by verdict or reason: the
 * API computes a page's payability in one batch (`include=payability`), never a request per row.
 */
export function PartnersPanel(props: {
  api: ApiClient;
  canAct: boolean;
  onError: (e: unknown, context: string) => void;
  onChanged: () => void;
  push: (t: { kind: 'success'; title: string }) => void;
}): ComponentChild {
  const { api, onError } = props;
  const [items, setItems] = useState<PartnerListItem[] | undefined>(undefined);
  /** The API's cursor past the pages loaded; null: none left. */
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [payability, setPayability] = useState<PayabilityFilter>('');
  const [manual, setManual] = useState(0);
  const [draft, setDraft] = useState({ name: '', email: '', payoutAccount: '' });
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [routes, setRoutes] = useState<PayoutRoute[] | null | undefined>(undefined);

  // The configured routes, once: they change only with the API's configuration.
  useEffect(() => {
    let cancelled = false;
    api.payoutRoutes().then(
      (r) => !cancelled && setRoutes(r),
      () => !cancelled && setRoutes(null),
    );
    return () => {
      cancelled = true;
    };
  }, [api]);
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  // The first page, again after every change (a hold, a new partner: payability moves with them).
  useEffect(() => {
    let cancelled = false;
    api.partnersWithPayability().then(
      (page) => {
        if (cancelled) return;
        setItems(page.items);
        setNextCursor(page.nextCursor);
      },
      (e: unknown) => !cancelled && onError(e, 'Could not load partners'),
    );
    return () => {
      cancelled = true;
    };
  }, [api, manual, onError]);
  const loadMore = () => {
    if (!nextCursor) return;
    api.partnersWithPayability(nextCursor).then(
      (page) => {
        setItems((loaded) => [
          ...(loaded ?? []),
          ...page.items.filter((p) => !loaded?.some((l) => l.id === p.id)),
        ]);
        setNextCursor(page.nextCursor);
      },
      (e: unknown) => onError(e, 'Could not load more partners'),
    );
  };

  const run = (what: string, call: () => Promise<unknown>) =>
    call().then(
      () => {
        props.push({ kind: 'success', title: what });
        setManual((m) => m + 1);
        props.onChanged();
      },
      (e: unknown) => onError(e, `Could not: ${what.toLowerCase()}`),
    );

  const shown = (items ?? []).filter(
    (p) => matchesPartner(p, search) && matchesPayability(p.payability, payability),
  );
  return h(
    'section',
    { class: 'panel panel-wide', 'aria-labelledby': 'partners-heading', 'data-testid': 'partners-panel' },
    h(
      'div',
      { class: 'panel-head' },
      h(
        'h2',
        { id: 'partners-heading', class: 'panel-title' },
        'Partners ',
        h('span', { class: 'count' }, shown.length),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'partner-search', class: 'field-label' }, 'Search'),
        h('input', {
          id: 'partner-search',
          class: 'input',
          value: search,
          placeholder: 'name, email or id',
          'data-testid': 'partner-search',
          onInput: (e: Event) => setSearch((e.currentTarget as HTMLInputElement).value),
        }),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'partner-payability', class: 'field-label' }, 'Payability'),
        h(
          'select',
          {
            id: 'partner-payability',
            class: 'input',
            value: payability,
            'data-testid': 'partner-payability-filter',
            onChange: (e: Event) => {
              const v = (e.currentTarget as HTMLSelectElement).value;
              if (isPayabilityFilter(v)) setPayability(v);
            },
          },
          PAYABILITY_FILTERS.map((f) => h('option', { key: f.value, value: f.value }, f.label)),
        ),
      ),
    ),
    props.canAct
      ? h(
          'form',
          {
            class: 'filters',
            'data-testid': 'partner-create',
            onSubmit: (e: Event) => {
              e.preventDefault();
              void run(`Partner ${draft.name} created`, () => api.createPartner(draft)).then(() =>
                setDraft({ name: '', email: '', payoutAccount: '' }),
              );
            },
          },
          (['name', 'email', 'payoutAccount'] as const).map((k) =>
            h(
              'div',
              { class: 'field', key: k },
              h(
                'label',
                { for: `new-partner-${k}`, class: 'field-label' },
                k === 'payoutAccount' ? 'Payout account (IBAN)' : k,
              ),
              h('input', {
                id: `new-partner-${k}`,
                class: 'input',
                required: true,
                value: draft[k],
                onInput: (e: Event) =>
                  setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value }),
              }),
            ),
          ),
          h('button', { type: 'submit', class: 'button' }, 'Create partner'),
        )
      : null,
    secret
      ? h(
          'p',
          { class: 'timeline-note', role: 'status', 'data-testid': 'rotated-secret' },
          'New webhook secret (shown once): ',
          h('code', { class: 'mono' }, secret.secret),
        )
      : null,
    h(
      'table',
      { class: 'payments' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          COLUMNS.map((c) => h('th', { key: c, scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        null,
        shown.map((p) =>
          h(
            Fragment,
            { key: p.id },
            h(
              'tr',
              { 'data-testid': `partner-row-${p.id}` },
              h('td', null, p.name, h('div', { class: 'muted small' }, p.email ?? '')),
              h(
                'td',
                null,
                h('code', { class: 'mono' }, p.payoutAccount ?? ''),
                p.pendingAccountChange
                  ? h(
                      'div',
                      { class: 'muted small' },
                      `→ ${p.pendingAccountChange.account}${p.pendingAccountChange.currency ? ` (${p.pendingAccountChange.currency} method)` : ''} requested by ${p.pendingAccountChange.requestedBy}${p.pendingAccountChange.effectiveAt ? `, effective ${formatWhen(p.pendingAccountChange.effectiveAt)}` : ''}`,
                    )
                  : null,
              ),
              h('td', { class: 'muted small' }, p.webhookUrl ?? '—'),
              h(
                'td',
                null,
                p.status,
                p.payoutHold ? h('div', { class: 'chip chip-failed' }, `hold: ${p.payoutHold.reason}`) : null,
              ),
              h(PayabilityCell, { partner: p }),
              h(
                'td',
                { class: 'actions' },
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'button button-small button-ghost',
                    'aria-expanded': open.has(p.id),
                    'data-testid': `methods-${p.id}`,
                    onClick: () => toggle(p.id),
                  },
                  open.has(p.id) ? 'Hide methods' : 'Methods',
                ),
                props.canAct
                  ? [
                      p.payoutHold
                        ? h(
                            'button',
                            {
                              key: 'u',
                              type: 'button',
                              class: 'button button-small button-secondary',
                              'data-testid': `unhold-${p.id}`,
                              onClick: () => run(`Hold released on ${p.name}`, () => api.releaseHold(p.id)),
                            },
                            'Release hold',
                          )
                        : h(
                            'button',
                            {
                              key: 'h',
                              type: 'button',
                              class: 'button button-small button-secondary',
                              'data-testid': `hold-${p.id}`,
                              onClick: () => {
                                const reason = prompt('Why hold payouts?');
                                if (reason)
                                  void run(`Hold placed on ${p.name}`, () => api.placeHold(p.id, reason));
                              },
                            },
                            'Hold',
                          ),
                      h(
                        'button',
                        {
                          key: 'a',
                          type: 'button',
                          class: 'button button-small button-ghost',
                          onClick: () => {
                            const acc = prompt('New payout account (IBAN or account number)');
                            if (acc)
                              void run(`Account change requested for ${p.name}`, () =>
                                api.requestAccountChange(p.id, acc),
                              );
                          },
                        },
                        'Change account',
                      ),
                      p.pendingAccountChange && !p.pendingAccountChange.approvedBy
                        ? h(
                            'button',
                            {
                              key: 'ap',
                              type: 'button',
                              class: 'button button-small button-success',
                              onClick: () =>
                                run(`Account change approved for ${p.name}`, () =>
                                  api.approveAccountChange(p.id),
                                ),
                            },
                            'Approve change',
                          )
                        : null,
                      h(
                        'button',
                        {
                          key: 'w',
                          type: 'button',
                          class: 'button button-small button-ghost',
                          onClick: () => {
                            const url = prompt('Webhook URL (empty to stop webhooks)', p.webhookUrl ?? '');
                            if (url !== null)
                              void run(`Webhook changed for ${p.name}`, () =>
                                api.updatePartner(p.id, { webhookUrl: url.trim() || null }),
                              );
                          },
                        },
                        'Edit webhook',
                      ),
                      h(
                        'button',
                        {
                          key: 'r',
                          type: 'button',
                          class: 'button button-small button-ghost',
                          'data-testid': `rotate-${p.id}`,
                          onClick: () =>
                            api.rotateWebhookSecret(p.id).then(
                              (r) => setSecret({ id: p.id, secret: r.secret }),
                              (e: unknown) => onError(e, 'Could not rotate the secret'),
                            ),
                        },
                        'Rotate secret',
                      ),
                    ]
                  : null,
              ),
            ),
            open.has(p.id)
              ? h(PartnerMethodsRow, {
                  api,
                  partnerId: p.id,
                  routes,
                  refreshKey: manual,
                  columns: COLUMNS.length,
                  onError,
                })
              : null,
          ),
        ),
      ),
    ),
    nextCursor
      ? h(
          'button',
          {
            type: 'button',
            class: 'button button-secondary',
            'data-testid': 'partners-more',
            onClick: loadMore,
          },
          'Load more partners',
        )
      : null,
  );
}

function PayabilityCell(props: { partner: PartnerListItem }): ComponentChild {
  const cell = payabilityCell(props.partner.payability);
  const payable = props.partner.payability?.payable;
  return h(
    'td',
    {
      'data-testid': `partner-payability-${props.partner.id}`,
      'data-payable': payable === undefined ? '' : String(payable),
    },
    payable === undefined
      ? h('span', { class: 'muted' }, cell.label)
      : h('span', { class: `chip ${payable ? 'chip-completed' : 'chip-failed'}` }, cell.label),
    cell.reasons.length
      ? h(
          'div',
          { class: 'payability-reasons muted small' },
          cell.reasons.map((r) => h('span', { key: r, class: 'payability-reason' }, r)),
        )
      : null,
  );
}
