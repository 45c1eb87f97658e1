import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, PayoutMethodRequest, PayoutMethods } from './api-client';
import { formatWhen } from './format';
import { currencyLabel, describeMethod, pendingChangeStatus } from './payout-methods';

/** While a change is pending the card asks again this often, so an approval shows without a reload. */
const PENDING_POLL_MS = 3_000;

type Kind = 'IBAN' | 'STRIPE';
const EMPTY = { currency: 'EUR', kind: 'IBAN' as Kind, iban: '', bic: '', holder: '', accountId: '' };

/** The pending change in one line: what, for which currency, and where it stands. */
export function PendingMethodChange(props: {
  change: NonNullable<PayoutMethods['pendingChange']>;
  testId: string;
}): ComponentChild {
  const { change } = props;
  const status = pendingChangeStatus(change);
  return h(
    'p',
    { class: 'timeline-note', 'data-testid': props.testId, 'data-state': status.kind },
    `${change.currency ? currencyLabel(change.currency) : 'Payout account'} → `,
    h('code', { class: 'mono' }, change.method ? describeMethod(change.method) : change.account),
    ` requested by ${change.requestedBy}: `,
    status.kind === 'approved'
      ? h(
          'span',
          { class: 'chip chip-small chip-approved' },
          `approved by ${change.approvedBy}, in force from ${formatWhen(status.effectiveAt)}`,
        )
      : h('span', { class: 'chip chip-small chip-awaiting-approval' }, 'waiting for approval'),
  );
}

/**
 * "How you are paid" (the portal): the partner's methods per currency, masked, and a form to
 * request a new default method for a currency. The request goes through the payout-account change
 * flow: an operator approves it, then it is in force after the cool-off. Account numbers are sent
 * once and never shown back in full (the field is cleared after a request).
 */
export function PortalPayoutMethods(props: {
  api: ApiClient;
  partnerId: string;
  refreshKey: string;
  onError: (e: unknown, context: string) => void;
  push: (t: { kind: 'success'; title: string }) => void;
}): ComponentChild {
  const { api, partnerId, onError } = props;
  const [view, setView] = useState<PayoutMethods | undefined>(undefined);
  const [reloads, setReloads] = useState(0);
  const [draft, setDraft] = useState(EMPTY);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api.payoutMethods(partnerId).then(
      (v) => !cancelled && setView(v),
      (e: unknown) => !cancelled && onError(e, 'Could not load your payout methods'),
    );
    return () => {
      cancelled = true;
    };
  }, [api, partnerId, onError, props.refreshKey, reloads]);

  // A pending change moves without an event the portal sees (approval, the end of the cool-off):
  // ask again shortly, and right after the time it comes into force.
  const pending = view?.pendingChange ?? null;
  useEffect(() => {
    if (!pending) return undefined;
    const due = pending.effectiveAt ? Date.parse(pending.effectiveAt) - Date.now() + 250 : Infinity;
    const timer = setTimeout(() => setReloads((n) => n + 1), Math.max(250, Math.min(PENDING_POLL_MS, due)));
    return () => clearTimeout(timer);
  }, [pending]);

  const set = (k: keyof typeof EMPTY) => (e: Event) =>
    setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const input = (k: 'currency' | 'iban' | 'bic' | 'holder' | 'accountId', label: string, extra = {}) =>
    h(
      'div',
      { class: 'field', key: k },
      h('label', { for: `portal-method-${k}`, class: 'field-label' }, label),
      h('input', {
        id: `portal-method-${k}`,
        class: 'input',
        value: draft[k],
        autocomplete: 'off',
        'data-testid': `portal-method-${k}`,
        onInput: set(k),
        ...extra,
      }),
    );

  const submit = (e: Event) => {
    e.preventDefault();
    const currency = draft.currency.trim().toUpperCase();
    const body: PayoutMethodRequest =
      draft.kind === 'IBAN'
        ? {
            currency,
            method: {
              type: 'BANK_TRANSFER',
              iban: draft.iban.trim(),
              bic: draft.bic.trim(),
              ...(draft.holder.trim() ? { accountHolder: draft.holder.trim() } : {}),
            },
          }
        : { currency, method: { type: 'STRIPE_CONNECT', accountId: draft.accountId.trim() } };
    setBusy(true);
    api
      .requestPayoutMethod(partnerId, body)
      .then(
        () => {
          setDraft({ ...EMPTY, currency: draft.currency, kind: draft.kind });
          props.push({ kind: 'success', title: `New ${currencyLabel(currency)} payout method requested` });
          setReloads((n) => n + 1);
        },
        (err: unknown) => onError(err, 'Could not request the payout method'),
      )
      .finally(() => setBusy(false));
  };

  const hasDefault = view?.methods.some((m) => m.currency === '*') ?? false;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'portal-methods', 'data-testid': 'portal-payout-methods' },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: 'portal-methods', class: 'panel-title' }, 'How you are paid'),
    ),
    view
      ? h(
          'table',
          { class: 'lines' },
          h(
            'thead',
            null,
            h('tr', null, h('th', { scope: 'col' }, 'Currency'), h('th', { scope: 'col' }, 'Method')),
          ),
          h(
            'tbody',
            null,
            view.methods.map((m) =>
              h(
                'tr',
                { key: m.currency, 'data-testid': `portal-method-row-${m.currency}` },
                h('td', null, currencyLabel(m.currency)),
                h('td', null, h('code', { class: 'mono' }, describeMethod(m.method))),
              ),
            ),
            hasDefault
              ? null
              : h(
                  'tr',
                  { key: 'legacy', 'data-testid': 'portal-method-row-legacy' },
                  h('td', null, view.methods.length ? 'Every other currency' : 'Every currency'),
                  h('td', null, h('code', { class: 'mono' }, `Bank account ${view.legacyAccount}`)),
                ),
          ),
        )
      : h('p', { class: 'muted' }, 'Loading…'),
    pending ? h(PendingMethodChange, { change: pending, testId: 'portal-pending-method' }) : null,
    h(
      'form',
      { class: 'filters', 'data-testid': 'portal-method-form', onSubmit: submit },
      input('currency', 'Currency', {
        title: 'an ISO 4217 code such as EUR, or * for every currency without its own method',
        required: true,
        pattern: '[A-Za-z]{3}|\\*',
        maxLength: 3,
        size: 4,
      }),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'portal-method-kind', class: 'field-label' }, 'Paid by'),
        h(
          'select',
          {
            id: 'portal-method-kind',
            class: 'input',
            value: draft.kind,
            'data-testid': 'portal-method-kind',
            onChange: set('kind'),
          },
          h('option', { value: 'IBAN', selected: draft.kind === 'IBAN' }, 'Bank transfer (IBAN)'),
          h('option', { value: 'STRIPE', selected: draft.kind === 'STRIPE' }, 'Stripe Connect'),
        ),
      ),
      draft.kind === 'IBAN'
        ? [
            input('iban', 'IBAN', { required: true, maxLength: 64 }),
            input('bic', 'BIC', { required: true, maxLength: 16 }),
            input('holder', 'Account holder', { maxLength: 140 }),
          ]
        : input('accountId', 'Stripe account id', { required: true, placeholder: 'acct_…', maxLength: 69 }),
      h(
        'button',
        {
          type: 'submit',
          class: 'button',
          disabled: busy || !!pending,
          title: pending ? 'A change is pending: it must be approved or withdrawn first' : undefined,
          'data-testid': 'portal-method-submit',
        },
        'Request change',
      ),
    ),
    h(
      'p',
      { class: 'muted small' },
      'A new method is checked by our team (a second person approves it) and is used from the end of a short cool-off; you are told by email at each step.',
    ),
  );
}
