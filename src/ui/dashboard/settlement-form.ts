import { h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { Partner, StartSettlementRequest } from './api-client';
import { shortId } from './format';
import { currencyChoices, formatMinor, formatMinorString } from './money-format';
import { readOnlyNote, type OperatorFormProps } from './operator-form';
import {
  latestSettleableDay,
  skipReasonLabel,
  type DryRunResult,
  type StartedSettlement,
} from './settlement-state';
import { errorToast } from './toasts';

const CURRENCIES = currencyChoices();
/** How many payouts and skips of a dry run are listed; its totals always cover all of them. */
const PREVIEW = 5;

/**
 * Start a settlement run by hand, or dry-run it first: the dry run answers what would be paid now
 * and writes nothing. The API is the judge of the period (today or later → 422, a settled period →
 * 409); the form only says so early.
 */
export function SettlementForm(
  props: OperatorFormProps & {
    partners: ReadonlyMap<string, Partner>;
    onStarted: (started: StartedSettlement) => void;
    onSelectPartner: (partnerId: string) => void;
    /** SETTLEMENT_TIME_ZONE, from `GET /settlements`. */
    timeZone: string;
  },
): ComponentChild {
  const latest = latestSettleableDay(new Date(), props.timeZone);
  const [periodEnd, setPeriodEnd] = useState(latest);
  const [currency, setCurrency] = useState('');
  const [busy, setBusy] = useState<'' | 'dry' | 'run'>('');
  const [preview, setPreview] = useState<DryRunResult | null>(null);

  const periodError =
    periodEnd === ''
      ? undefined
      : !/^\d{4}-\d{2}-\d{2}$/.test(periodEnd)
        ? 'a date, YYYY-MM-DD'
        : periodEnd > latest
          ? `the period has not ended yet: ${latest} at the latest`
          : undefined;

  const body = (): StartSettlementRequest => ({
    ...(periodEnd ? { periodEnd } : {}),
    ...(currency ? { currency } : {}),
  });

  const dryRun = async () => {
    setBusy('dry');
    try {
      setPreview(await props.api.dryRunSettlement(body()));
    } catch (e) {
      setPreview(null);
      props.push(errorToast(e, 'Dry run failed'));
    } finally {
      setBusy('');
    }
  };

  const run = async (e: Event) => {
    e.preventDefault();
    if (periodError) return;
    setBusy('run');
    try {
      const started = await props.api.startSettlement(body());
      setPreview(null);
      props.onStarted(started);
      props.push({
        kind: 'success',
        title: started.created
          ? `Settlement ${started.settlementId} started`
          : `Settlement ${started.settlementId} was started already`,
        detail: `period ending ${started.periodEnd}, ${started.currency ?? 'all currencies'}`,
      });
    } catch (err) {
      props.push(errorToast(err, 'Settlement not started'));
    } finally {
      setBusy('');
    }
  };

  if (!props.canAct) return readOnlyNote(props.role, 'start settlements', 'settlement-form-disabled');
  return h(
    'div',
    null,
    h(
      'form',
      {
        class: 'form',
        noValidate: true,
        'data-testid': 'settlement-form',
        onSubmit: (e: Event) => void run(e),
      },
      h(
        'div',
        { class: 'form-row' },
        h(
          'div',
          { class: 'field field-grow' },
          h(
            'label',
            { for: 'settlement-period-end', class: 'field-label' },
            `Period end (${props.timeZone}, inclusive)`,
          ),
          h('input', {
            id: 'settlement-period-end',
            type: 'date',
            class: 'input',
            max: latest,
            value: periodEnd,
            'aria-invalid': Boolean(periodError),
            'aria-describedby': periodError ? 'settlement-period-end-error' : 'settlement-period-end-hint',
            'data-testid': 'settlement-period-end',
            onInput: (e: Event) => {
              setPreview(null);
              setPeriodEnd((e.currentTarget as HTMLInputElement).value);
            },
          }),
          periodError
            ? h('span', { id: 'settlement-period-end-error', class: 'field-error' }, periodError)
            : h(
                'span',
                { id: 'settlement-period-end-hint', class: 'field-hint muted' },
                'Empty: yesterday. Commissions that occurred up to this day are settled.',
              ),
        ),
        h(
          'div',
          { class: 'field field-currency' },
          h('label', { for: 'settlement-currency', class: 'field-label' }, 'Currency'),
          h(
            'select',
            {
              id: 'settlement-currency',
              class: 'input',
              value: currency,
              'data-testid': 'settlement-currency',
              onChange: (e: Event) => {
                setPreview(null);
                setCurrency((e.currentTarget as HTMLSelectElement).value);
              },
            },
            h('option', { value: '' }, 'All'),
            CURRENCIES.map((c) => h('option', { key: c, value: c }, c)),
          ),
        ),
      ),
      h(
        'div',
        { class: 'form-footer' },
        h(
          'button',
          {
            type: 'button',
            class: 'button button-secondary',
            disabled: busy !== '' || Boolean(periodError),
            'aria-busy': busy === 'dry',
            'data-testid': 'settlement-dry-run',
            onClick: () => void dryRun(),
          },
          busy === 'dry' ? 'Checking…' : 'Dry run',
        ),
        h(
          'button',
          {
            type: 'submit',
            class: 'button button-primary',
            disabled: busy !== '' || Boolean(periodError),
            'aria-busy': busy === 'run',
            'data-testid': 'settlement-submit',
          },
          busy === 'run' ? 'Starting…' : 'Run settlement',
        ),
      ),
    ),
    preview ? h(DryRunPreview, { preview, props }) : null,
  );
}

/** Partners the run would leave out, by reason (over every skip, not only the first listed). */
function SkippedPartners(p: { counts: DryRunResult['skippedPartners'] }): ComponentChild {
  const rows = Object.entries(p.counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort(([a, x], [b, y]) => (y ?? 0) - (x ?? 0) || a.localeCompare(b));
  if (rows.length === 0) return null;
  return h(
    'p',
    { class: 'dry-run-reasons', 'data-testid': 'dry-run-not-payable' },
    h('strong', null, 'Partners not paid: '),
    rows.map(([reason, n], i) =>
      h(
        'span',
        { key: reason, 'data-testid': `dry-run-not-payable-${reason}`, 'data-count': n },
        `${i ? ', ' : ''}${skipReasonLabel(reason)} ${n}`,
      ),
    ),
  );
}

function DryRunPreview(p: {
  preview: DryRunResult;
  props: {
    partners: ReadonlyMap<string, Partner>;
    locale: string | undefined;
    onSelectPartner: (id: string) => void;
  };
}): ComponentChild {
  const { preview, props } = p;
  const name = (id: string) => props.partners.get(id)?.name ?? shortId(id);
  const partnerButton = (id: string) =>
    h('button', { type: 'button', class: 'link-button', onClick: () => props.onSelectPartner(id) }, name(id));
  return h(
    'div',
    { class: 'dry-run', 'data-testid': 'dry-run-result', role: 'status' },
    h(
      'p',
      { class: 'dry-run-head' },
      h('strong', null, 'Dry run'),
      ` · period ending ${preview.periodEnd}, ${preview.currency ?? 'all currencies'}: `,
      h('span', { 'data-testid': 'dry-run-payouts' }, `${preview.payoutCount} payouts`),
      ', ',
      h('span', { 'data-testid': 'dry-run-skipped' }, `${preview.skippedCount} skipped`),
      '. Nothing was written.',
    ),
    h(SkippedPartners, { counts: preview.skippedPartners }),
    Object.keys(preview.totals).length
      ? h(
          'ul',
          { class: 'dry-run-totals' },
          Object.entries(preview.totals)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([cur, t]) =>
              h(
                'li',
                { key: cur, 'data-testid': `dry-run-total-${cur}`, 'data-minor': t.payoutMinor },
                h('strong', null, formatMinorString(t.payoutMinor, cur, props.locale)),
                h('span', { class: 'muted' }, ` · ${t.payoutCount} payouts, ${t.skippedCount} skipped`),
              ),
            ),
        )
      : h('p', { class: 'muted' }, 'Nothing is payable for this period.'),
    preview.payouts.length
      ? h(
          'div',
          null,
          h('h3', { class: 'detail-title' }, 'First payouts'),
          h(
            'ul',
            { class: 'dry-run-list' },
            preview.payouts
              .slice(0, PREVIEW)
              .map((x) =>
                h(
                  'li',
                  { key: `${x.partnerId}-${x.currency}` },
                  partnerButton(x.partnerId),
                  h('span', { class: 'num' }, formatMinor(x.netMinor, x.currency, props.locale)),
                ),
              ),
          ),
        )
      : null,
    preview.skipped.length
      ? h(
          'div',
          null,
          h('h3', { class: 'detail-title' }, 'First skips'),
          h(
            'ul',
            { class: 'dry-run-list' },
            preview.skipped
              .slice(0, PREVIEW)
              .map((x) =>
                h(
                  'li',
                  { key: `${x.partnerId}-${x.currency}`, title: x.detail },
                  partnerButton(x.partnerId),
                  h(
                    'span',
                    { class: 'num' },
                    `${skipReasonLabel(x.reason)} · ${formatMinorString(x.netMinor, x.currency, props.locale)}`,
                  ),
                ),
              ),
          ),
        )
      : null,
  );
}
