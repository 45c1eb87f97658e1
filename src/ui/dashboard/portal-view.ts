import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, NotificationPreferencesView, Partner, StatementLine } from './api-client';
import type { PaymentRow } from './dashboard-state';
import { formatWhen, shortId } from './format';
import { formatMinor } from './money-format';
import { NotificationsPanel } from './notifications-view';
import { PartnerBalancePanel } from './partner-balance';
import { NextPayoutCard } from './portal-next-payout';
import { PortalPayoutMethods } from './portal-payout-methods';
import { StatusChip } from './status-chip';

type NotificationType = NotificationPreferencesView['unmutableTypes'][number];
type Channel = NonNullable<NotificationPreferencesView['preferences'][NotificationType]>[number];
const CHANNELS: readonly Channel[] = ['EMAIL', 'WEBHOOK', 'IN_APP'];

/**
 * The partner portal: what a partner key may see and change, its own only (the API scopes every
 * call to the key's partner; this view never asks for anyone else's).
 */
export function PortalView(props: {
  api: ApiClient;
  partnerId: string;
  payments: readonly PaymentRow[];
  locale: string | undefined;
  refreshKey: string;
  onError: (e: unknown, context: string) => void;
  push: (t: { kind: 'success'; title: string }) => void;
}): ComponentChild {
  const { api, partnerId, onError } = props;
  const [partner, setPartner] = useState<Partner | undefined>(undefined);
  const [prefs, setPrefs] = useState<NotificationPreferencesView | undefined>(undefined);
  const [statement, setStatement] = useState<{ id: string; lines: StatementLine[]; currency: string } | null>(
    null,
  );
  const [webhookUrl, setWebhookUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.getPartner(partnerId).then(
      (p) => {
        if (cancelled) return;
        setPartner(p);
        setWebhookUrl(p.webhookUrl ?? '');
      },
      (e: unknown) => !cancelled && onError(e, 'Could not load your account'),
    );
    api.preferences(partnerId).then(
      (p) => !cancelled && setPrefs(p),
      (e: unknown) => !cancelled && onError(e, 'Could not load your notification preferences'),
    );
    return () => {
      cancelled = true;
    };
  }, [api, partnerId, onError]);

  const toggle = (type: NotificationType, channel: Channel) => {
    if (!prefs) return;
    const current = prefs.preferences[type] ?? [];
    const next = current.includes(channel) ? current.filter((c) => c !== channel) : [...current, channel];
    api.savePreferences(partnerId, { ...prefs.overrides, [type]: next }).then(
      (p) => {
        setPrefs(p);
        props.push({ kind: 'success', title: 'Notification preferences saved' });
      },
      (e: unknown) => onError(e, 'Could not save your preferences'),
    );
  };

  return h(
    'div',
    { class: 'portal', 'data-testid': 'portal', 'data-partner': partnerId },
    h(NextPayoutCard, { api, partnerId, locale: props.locale, refreshKey: props.refreshKey, onError }),
    h(
      'section',
      { class: 'panel panel-wide', 'aria-labelledby': 'portal-heading' },
      h(
        'div',
        { class: 'panel-head' },
        h(
          'h2',
          { id: 'portal-heading', class: 'panel-title' },
          `Payouts to ${partner?.name ?? 'you'} `,
          h('span', { class: 'count', 'data-testid': 'portal-payout-count' }, props.payments.length),
        ),
      ),
      h(
        'table',
        { class: 'payments' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Payout', 'Amount', 'Status', 'Created', ''].map((c) => h('th', { key: c, scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          null,
          props.payments.map((p) =>
            h(
              'tr',
              { key: p.id, 'data-testid': `portal-payment-${p.id}` },
              h('td', null, h('code', { class: 'mono', title: p.id }, shortId(p.id))),
              h('td', { class: 'num' }, formatMinor(p.totalMinor, p.currency, props.locale)),
              h('td', null, h(StatusChip, { status: p.status, testId: `portal-status-${p.id}` })),
              h('td', null, formatWhen(p.createdAt)),
              h(
                'td',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'button button-small button-ghost',
                    'data-testid': `statement-${p.id}`,
                    onClick: () =>
                      api.statement(p.id).then(
                        (s) => setStatement({ id: p.id, lines: s.lines ?? [], currency: p.currency }),
                        (e: unknown) => onError(e, 'Could not load the statement'),
                      ),
                  },
                  'Statement',
                ),
              ),
            ),
          ),
        ),
      ),
      statement
        ? h(
            'div',
            { class: 'detail', 'data-testid': `statement-view-${statement.id}` },
            h('h3', { class: 'detail-title' }, `Statement of ${shortId(statement.id)}`),
            h(
              'ul',
              { class: 'history' },
              statement.lines.map((l) =>
                h(
                  'li',
                  { key: l.reference },
                  h('code', { class: 'mono' }, l.reference),
                  ` ${formatMinor(l.amountMinor, statement.currency, props.locale)} `,
                  h('span', { class: 'muted' }, l.description),
                ),
              ),
            ),
          )
        : null,
    ),
    h(PartnerBalancePanel, {
      api,
      partnerId,
      partner,
      locale: props.locale,
      refreshKey: props.refreshKey,
      onError,
    }),
    h(PortalPayoutMethods, { api, partnerId, refreshKey: props.refreshKey, onError, push: props.push }),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'portal-webhook' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'portal-webhook', class: 'panel-title' }, 'Webhook')),
      h(
        'form',
        {
          class: 'filters',
          onSubmit: (e: Event) => {
            e.preventDefault();
            api.setWebhookEndpoint(partnerId, webhookUrl.trim() || null).then(
              (p) => {
                setPartner(p);
                props.push({ kind: 'success', title: 'Webhook endpoint saved' });
              },
              (err: unknown) => onError(err, 'Could not save the webhook endpoint'),
            );
          },
        },
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'portal-webhook-url', class: 'field-label' }, 'Endpoint (https)'),
          h('input', {
            id: 'portal-webhook-url',
            class: 'input',
            value: webhookUrl,
            'data-testid': 'portal-webhook-url',
            onInput: (e: Event) => setWebhookUrl((e.currentTarget as HTMLInputElement).value),
          }),
        ),
        h('button', { type: 'submit', class: 'button' }, 'Save'),
        h(
          'button',
          {
            type: 'button',
            class: 'button button-secondary',
            'data-testid': 'portal-rotate-secret',
            onClick: () =>
              api.rotateWebhookSecret(partnerId).then(
                (r) => setSecret(r.secret),
                (e: unknown) => onError(e, 'Could not rotate the secret'),
              ),
          },
          'Rotate signing secret',
        ),
      ),
      secret
        ? h(
            'p',
            { class: 'timeline-note', 'data-testid': 'portal-secret' },
            'New secret (shown once): ',
            h('code', { class: 'mono' }, secret),
          )
        : null,
    ),
    prefs
      ? h(
          'section',
          { class: 'panel', 'aria-labelledby': 'portal-prefs', 'data-testid': 'portal-preferences' },
          h(
            'div',
            { class: 'panel-head' },
            h('h2', { id: 'portal-prefs', class: 'panel-title' }, 'Notification preferences'),
          ),
          h(
            'table',
            { class: 'lines' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', null, 'Type'),
                CHANNELS.map((c) => h('th', { key: c }, c)),
              ),
            ),
            h(
              'tbody',
              null,
              (Object.keys(prefs.preferences) as NotificationType[]).map((type) =>
                h(
                  'tr',
                  { key: type },
                  h('td', null, type),
                  CHANNELS.map((c) =>
                    h(
                      'td',
                      { key: c },
                      h('input', {
                        type: 'checkbox',
                        'aria-label': `${type} by ${c}`,
                        'data-testid': `pref-${type}-${c}`,
                        checked: (prefs.preferences[type] ?? []).includes(c),
                        disabled: prefs.unmutableTypes.includes(type),
                        onChange: () => toggle(type, c),
                      }),
                    ),
                  ),
                ),
              ),
            ),
          ),
        )
      : null,
    h(NotificationsPanel, { api, partnerId, canRedeliver: true, refreshKey: props.refreshKey, onError }),
  );
}
