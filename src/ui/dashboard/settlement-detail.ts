import { h, type ComponentChild } from 'preact';
import type { Partner } from './api-client';
import { formatWhen, shortId } from './format';
import { formatMinorString } from './money-format';
import { ApprovalPanel, ReleasedNote, ReleasePanel } from './settlement-approval';
import { SettlementProgress } from './settlement-progress';
import {
  skipReasonLabel,
  statementCounts,
  totalsRows,
  type ApiSettlement,
  type ReleasedSettlement,
  type SettlementDecision,
  type SettlementDecisionAction,
  type SettlementItem,
  type SettlementProgress as Progress,
  type SettlementRunSummary,
} from './settlement-state';
import { StatusChip } from './status-chip';

export interface SettlementDetailProps {
  run: SettlementRunSummary;
  /** The last `GET /settlements/:id`; undefined until it answered. */
  detail: ApiSettlement | undefined;
  progress: Progress | undefined;
  partners: ReadonlyMap<string, Partner>;
  locale: string | undefined;
  /** The run's workflow in the Temporal Web UI. */
  workflowUrl: string;
  /** A payout's payment workflow in the Temporal Web UI. */
  paymentWorkflowUrl: (paymentId: string) => string;
  onSelectPayment: (paymentId: string) => void;
  onSelectPartner: (partnerId: string) => void;
  /** The key's role may approve, reject and release runs. */
  canAct: boolean;
  role: string | undefined;
  /** The signed-in key's name, when known. */
  actor: string | undefined;
  onDecide: (action: SettlementDecisionAction, reason: string | undefined) => Promise<SettlementDecision>;
  onRelease: (reason: string) => Promise<ReleasedSettlement>;
}

/** Runs whose payouts never started: no progress bar, the approval panel says why. */
const NOT_PAYING = new Set(['AWAITING_APPROVAL', 'REJECTED']);
/** Runs a workflow should still be moving. */
const OPEN = new Set(['RUNNING', 'AWAITING_APPROVAL']);

/** One run: progress, money per currency, who was skipped and why, and the payouts it made. */
export function SettlementDetail(props: SettlementDetailProps): ComponentChild {
  const { run, detail } = props;
  const status = props.progress?.status === 'COMPLETED' ? 'COMPLETED' : run.status;
  const approval = run.approval ?? detail?.approval ?? null;
  // Recorded as running or waiting while its workflow is not (the API says): resume or release it.
  const stopped = detail?.stopped === true && detail.status === run.status && OPEN.has(status);
  const actions = {
    run,
    detail,
    canAct: props.canAct,
    role: props.role,
    actor: props.actor,
    partners: props.partners,
    locale: props.locale,
    onSelectPartner: props.onSelectPartner,
    onDecide: props.onDecide,
    onRelease: props.onRelease,
  };
  return h(
    'section',
    {
      class: 'panel settlement-detail',
      'aria-labelledby': 'settlement-detail-heading',
      'data-testid': 'settlement-detail',
      'data-settlement-id': run.id,
    },
    h(
      'div',
      { class: 'panel-head' },
      h(
        'h2',
        { id: 'settlement-detail-heading', class: 'panel-title' },
        'Run ',
        h('code', { class: 'mono' }, run.id),
        h(StatusChip, { status, testId: 'settlement-status' }),
        stopped ? h(StatusChip, { status: 'STOPPED', testId: 'settlement-stopped' }) : null,
      ),
      h(
        'a',
        {
          class: 'link',
          href: detail?.links.workflow ?? props.workflowUrl,
          target: '_blank',
          rel: 'noopener noreferrer',
          'data-testid': 'settlement-temporal-link',
        },
        'Workflow in Temporal',
        h('span', { 'aria-hidden': 'true' }, ' ↗'),
        h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'),
      ),
    ),
    h(
      'div',
      { class: 'settlement-body' },
      h(
        'dl',
        { class: 'facts facts-inline' },
        fact('Period end', run.periodEnd),
        fact('Currency', run.currency ?? 'all'),
        fact('Trigger', run.trigger),
        fact('Started by', run.startedBy || '—'),
        fact('Created', formatWhen(run.createdAt)),
        fact('Completed', run.completedAt ? formatWhen(run.completedAt) : '—'),
      ),
      // Keyed by run: a half-typed reason or a refusal never carries over to another run.
      approval ? h(ApprovalPanel, { key: `approval-${run.id}`, ...actions }) : null,
      NOT_PAYING.has(status) ? null : h(SettlementProgress, { progress: props.progress, run }),
      stopped ? h(ReleasePanel, { key: `release-${run.id}`, ...actions }) : null,
      status === 'RELEASED' && (run.release || approval?.status !== 'EXPIRED')
        ? h(ReleasedNote, { run })
        : null,
      detail
        ? [
            h(Totals, { key: 'totals', detail, locale: props.locale }),
            h(BankStatements, { key: 'statements', detail }),
            h(SkippedList, { key: 'skipped', detail, props }),
            h(PayoutList, { key: 'payouts', detail, props }),
          ]
        : h('p', { class: 'muted' }, 'Loading the run…'),
    ),
  );
}

const fact = (label: string, value: string): ComponentChild[] => [
  h('dt', { key: `${label}-t` }, label),
  h('dd', { key: `${label}-d` }, value),
];

/** The run's bank-file payouts by what the bank's statements said (nothing for other rails). */
function BankStatements(p: { detail: ApiSettlement }): ComponentChild {
  const counts = statementCounts(p.detail.reconciliation);
  if (!counts) return null;
  return h(
    'div',
    { class: 'settlement-section', 'data-testid': 'settlement-statements', 'data-total': counts.total },
    h('h3', { class: 'detail-title' }, `Bank statements (${counts.total} payouts by file)`),
    h(
      'p',
      { class: 'statement-counts' },
      counts.parts.map((part, i) =>
        h(
          'span',
          {
            key: part.state,
            'data-testid': `settlement-statements-${part.state}`,
            'data-count': part.count,
          },
          i > 0 ? ' · ' : '',
          h('strong', null, part.count),
          ` ${part.label}`,
        ),
      ),
    ),
  );
}

function Totals(p: { detail: ApiSettlement; locale: string | undefined }): ComponentChild {
  const rows = totalsRows(p.detail.totals, p.locale);
  return h(
    'div',
    { class: 'settlement-section' },
    h('h3', { class: 'detail-title' }, 'Totals per currency'),
    rows.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'settlement-totals-empty' }, 'Nothing was payable.')
      : h(
          'table',
          { class: 'grid-table', 'data-testid': 'settlement-totals' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, 'Currency'),
              h('th', { scope: 'col', class: 'num' }, 'Payouts'),
              h('th', { scope: 'col', class: 'num' }, 'Planned'),
              h('th', { scope: 'col' }, 'By payment status'),
              h('th', { scope: 'col', class: 'num' }, 'Skipped'),
            ),
          ),
          h(
            'tbody',
            null,
            rows.map((r) =>
              h(
                'tr',
                {
                  key: r.currency,
                  'data-testid': `settlement-totals-${r.currency}`,
                  'data-planned-minor': r.plannedMinor,
                },
                h('th', { scope: 'row' }, r.currency),
                h('td', { class: 'num' }, r.plannedCount),
                h(
                  'td',
                  { class: 'num strong', 'data-testid': `settlement-planned-${r.currency}` },
                  r.planned,
                ),
                h(
                  'td',
                  null,
                  r.byStatus.length
                    ? h(
                        'ul',
                        { class: 'status-amounts' },
                        r.byStatus.map((s) =>
                          h(
                            'li',
                            { key: s.status, 'data-status': s.status, 'data-minor': s.amountMinor },
                            h(StatusChip, { status: s.status, small: true }),
                            h('span', { class: 'num' }, ` ${s.count} · ${s.amount}`),
                          ),
                        ),
                      )
                    : h('span', { class: 'muted' }, '—'),
                ),
                h(
                  'td',
                  { class: 'num' },
                  r.skippedCount ? `${r.skippedCount} · ${r.skipped}` : h('span', { class: 'muted' }, '—'),
                ),
              ),
            ),
          ),
        ),
  );
}

function PartnerButton(p: { partnerId: string; props: SettlementDetailProps }): ComponentChild {
  const partner = p.props.partners.get(p.partnerId);
  return h(
    'button',
    {
      type: 'button',
      class: 'link-button partner-link',
      title: `Show the balance of ${partner?.name ?? p.partnerId}`,
      onClick: () => p.props.onSelectPartner(p.partnerId),
    },
    partner?.name ?? h('code', { class: 'mono' }, shortId(p.partnerId)),
  );
}

/** The API embeds the first 100 of each; the rest is in the items endpoint and the CSV report. */
const moreNote = (shown: number, total: number, what: string): ComponentChild =>
  total > shown ? h('p', { class: 'table-note' }, `Showing the first ${shown} of ${total} ${what}.`) : null;

function SkippedList(p: { detail: ApiSettlement; props: SettlementDetailProps }): ComponentChild {
  const { detail, props } = p;
  return h(
    'div',
    { class: 'settlement-section', 'data-testid': 'settlement-skipped' },
    h('h3', { class: 'detail-title' }, `Skipped partners (${detail.skippedCount})`),
    detail.skipped.length === 0
      ? h('p', { class: 'muted' }, 'No partner was skipped.')
      : h(
          'table',
          { class: 'grid-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, 'Partner'),
              h('th', { scope: 'col', class: 'num' }, 'Net'),
              h('th', { scope: 'col' }, 'Reason'),
            ),
          ),
          h(
            'tbody',
            null,
            detail.skipped.map((i: SettlementItem) =>
              h(
                'tr',
                {
                  key: i.seq,
                  'data-testid': `skipped-${i.partnerId}-${i.currency}`,
                  'data-reason': i.skipReason ?? '',
                },
                h('td', null, h(PartnerButton, { partnerId: i.partnerId, props })),
                h('td', { class: 'num nowrap' }, formatMinorString(i.netMinor, i.currency, props.locale)),
                h(
                  'td',
                  null,
                  h('span', { class: 'reason' }, skipReasonLabel(i.skipReason)),
                  i.skipDetail ? h('span', { class: 'reason-detail muted' }, i.skipDetail) : null,
                ),
              ),
            ),
          ),
        ),
    moreNote(detail.skipped.length, detail.skippedCount, 'skipped balances'),
  );
}

function PayoutList(p: { detail: ApiSettlement; props: SettlementDetailProps }): ComponentChild {
  const { detail, props } = p;
  return h(
    'div',
    { class: 'settlement-section', 'data-testid': 'settlement-payouts' },
    h('h3', { class: 'detail-title' }, `Payouts (${detail.itemCount})`),
    detail.items.length === 0
      ? h('p', { class: 'muted' }, 'No payouts in this run.')
      : h(
          'div',
          { class: 'table-wrap table-scroll' },
          h(
            'table',
            { class: 'grid-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'col', class: 'num' }, '#'),
                h('th', { scope: 'col' }, 'Partner'),
                h('th', { scope: 'col', class: 'num' }, 'Net'),
                h('th', { scope: 'col' }, 'Payment'),
                h('th', { scope: 'col' }, 'Status'),
              ),
            ),
            h(
              'tbody',
              null,
              detail.items.map((i) =>
                h(
                  'tr',
                  {
                    key: i.seq,
                    'data-testid': `payout-${i.seq}`,
                    'data-payment-id': i.paymentId ?? '',
                    'data-status': i.paymentStatus ?? '',
                  },
                  h('td', { class: 'num muted' }, i.seq),
                  h('td', null, h(PartnerButton, { partnerId: i.partnerId, props })),
                  h('td', { class: 'num nowrap' }, formatMinorString(i.netMinor, i.currency, props.locale)),
                  h(
                    'td',
                    { class: 'nowrap' },
                    i.paymentId
                      ? [
                          h(
                            'button',
                            {
                              key: 'open',
                              type: 'button',
                              class: 'link-button mono',
                              title: i.paymentId,
                              'aria-label': `Show payment ${shortId(i.paymentId)} in Payments`,
                              onClick: () => props.onSelectPayment(i.paymentId!),
                            },
                            shortId(i.paymentId),
                          ),
                          h('span', { key: 'sep', 'aria-hidden': 'true', class: 'muted' }, ' · '),
                          h(
                            'a',
                            {
                              key: 'temporal',
                              class: 'link small',
                              href: props.paymentWorkflowUrl(i.paymentId),
                              target: '_blank',
                              rel: 'noopener noreferrer',
                            },
                            'Temporal',
                            h('span', { 'aria-hidden': 'true' }, ' ↗'),
                            h(
                              'span',
                              { class: 'visually-hidden' },
                              ` workflow of payment ${shortId(i.paymentId)} (opens in a new tab)`,
                            ),
                          ),
                        ]
                      : '—',
                  ),
                  h(
                    'td',
                    null,
                    i.paymentStatus ? h(StatusChip, { status: i.paymentStatus, small: true }) : '—',
                  ),
                ),
              ),
            ),
          ),
        ),
    moreNote(detail.items.length, detail.itemCount, 'payouts'),
  );
}
