import { h, type ComponentChild } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Partner } from './api-client';
import { formatWhen, shortId } from './format';
import { formatMinorString } from './money-format';
import { readOnlyNote } from './operator-form';
import {
  skipReasonLabel,
  type ApiSettlement,
  type ReleasedSettlement,
  type SettlementApproval,
  type SettlementDecision,
  type SettlementDecisionAction,
  type SettlementPreview,
  type SettlementRunSummary,
} from './settlement-state';
import { StatusChip } from './status-chip';

/** What the approval and release panels need of the run, the key, and the view. */
export interface RunActionProps {
  run: SettlementRunSummary;
  detail: ApiSettlement | undefined;
  /** The key's role may approve, reject and release (operator, admin). */
  canAct: boolean;
  role: string | undefined;
  /** The signed-in key's name, when the API said it. */
  actor: string | undefined;
  partners: ReadonlyMap<string, Partner>;
  locale: string | undefined;
  onSelectPartner: (partnerId: string) => void;
  /** Resolves with the API's answer (the view has applied it); rejects with the API's refusal. */
  onDecide: (action: SettlementDecisionAction, reason: string | undefined) => Promise<SettlementDecision>;
  onRelease: (reason: string) => Promise<ReleasedSettlement>;
}

/** The API's refusal in place, next to the button that got it: title, detail, status and code. */
function ProblemNote(p: { error: unknown; context: string; testId: string }): ComponentChild {
  const e = p.error;
  const api = e instanceof ApiError ? e : undefined;
  const fields = api?.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ');
  return h(
    'div',
    {
      class: 'problem-note',
      role: 'alert',
      'data-testid': p.testId,
      'data-code': api?.code,
      'data-status': api?.status,
    },
    h('strong', null, `${p.context}: ${api ? api.title : 'failed'}`),
    api?.detail || fields
      ? h('p', { class: 'problem-detail' }, api?.detail ?? fields)
      : !api
        ? h('p', { class: 'problem-detail' }, e instanceof Error ? e.message : String(e))
        : null,
    api && (api.status || api.code)
      ? h(
          'p',
          { class: 'toast-meta' },
          api.status ? h('span', null, `HTTP ${api.status}`) : null,
          api.code ? h('code', null, api.code) : null,
        )
      : null,
  );
}

/**
 * A reason asked for in place (reject, release): a labelled field, required, with the confirming
 * button and a way back. Focus moves into it when it opens and back to its opener when cancelled.
 */
function ReasonForm(p: {
  id: string;
  label: string;
  confirm: string;
  busyLabel: string;
  busy: boolean;
  required: string;
  onSubmit: (reason: string) => void;
  onCancel: () => void;
}): ComponentChild {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return h(
    'form',
    {
      class: 'reason-form',
      noValidate: true,
      'data-testid': `${p.id}-form`,
      onSubmit: (e: Event) => {
        e.preventDefault();
        const trimmed = reason.trim();
        if (!trimmed) {
          setError(p.required);
          input.current?.focus();
          return;
        }
        p.onSubmit(trimmed);
      },
    },
    h(
      'div',
      { class: 'field field-grow' },
      h('label', { for: `${p.id}-reason`, class: 'field-label' }, p.label),
      h('input', {
        id: `${p.id}-reason`,
        ref: input,
        class: 'input',
        maxLength: 500,
        value: reason,
        required: true,
        'aria-invalid': Boolean(error),
        'aria-describedby': error ? `${p.id}-reason-error` : undefined,
        'data-testid': `${p.id}-reason`,
        onInput: (e: Event) => {
          setError(undefined);
          setReason((e.currentTarget as HTMLInputElement).value);
        },
      }),
      error ? h('span', { id: `${p.id}-reason-error`, class: 'field-error' }, error) : null,
    ),
    h(
      'div',
      { class: 'reason-form-actions' },
      h(
        'button',
        {
          type: 'submit',
          class: 'button button-small button-danger',
          disabled: p.busy,
          'aria-busy': p.busy,
          'data-testid': `${p.id}-confirm`,
        },
        p.busy ? p.busyLabel : p.confirm,
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button button-small button-ghost',
          disabled: p.busy,
          'data-testid': `${p.id}-cancel`,
          onClick: p.onCancel,
        },
        'Cancel',
      ),
    ),
  );
}

/**
 * A run that waits (or waited) for a second operator: why, until when, what it would pay per
 * currency, and Approve / Reject — or, once decided, who decided what and when. The API is the
 * judge of who may decide (its starter is refused: four eyes); its refusal is shown here.
 */
export function ApprovalPanel(props: RunActionProps): ComponentChild {
  const { run, detail } = props;
  const approval = run.approval ?? detail?.approval ?? null;
  const [busy, setBusy] = useState<'' | SettlementDecisionAction>('');
  const [rejecting, setRejecting] = useState(false);
  const [problem, setProblem] = useState<{ error: unknown; action: SettlementDecisionAction } | null>(null);
  const rejectButton = useRef<HTMLButtonElement>(null);
  if (!approval) return null;
  const awaiting = approval.status === 'AWAITING' && run.status === 'AWAITING_APPROVAL';

  const decide = (action: SettlementDecisionAction, reason?: string) => {
    setBusy(action);
    setProblem(null);
    props.onDecide(action, reason).then(
      () => {
        setBusy('');
        setRejecting(false);
      },
      (error: unknown) => {
        setBusy('');
        setProblem({ error, action });
      },
    );
  };

  return h(
    'div',
    {
      class: `settlement-section approval-panel${awaiting ? ' approval-awaiting' : ''}`,
      role: 'group',
      'aria-labelledby': 'approval-heading',
      'data-testid': 'settlement-approval',
      'data-approval-status': approval.status,
    },
    h(
      'div',
      { class: 'approval-title' },
      h('h3', { id: 'approval-heading', class: 'detail-title' }, 'Approval'),
      h(StatusChip, { status: approval.status, small: true, testId: 'approval-status' }),
    ),
    awaiting
      ? h(
          'p',
          { class: 'approval-lead' },
          'This run waits for a second operator: no payout starts until it is approved.',
        )
      : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, awaiting ? 'Why it waits' : 'Why it waited'),
      h(
        'dd',
        null,
        approval.reasons.length
          ? h(
              'ul',
              { class: 'approval-reasons', 'data-testid': 'approval-reasons' },
              approval.reasons.map((r, i) => h('li', { key: i }, r)),
            )
          : '—',
      ),
      awaiting || approval.status === 'EXPIRED'
        ? [
            h('dt', { key: 'dl-t' }, 'Deadline'),
            h(
              'dd',
              { key: 'dl-d', 'data-testid': 'approval-deadline' },
              approval.deadline
                ? h(
                    'time',
                    { dateTime: approval.deadline, title: approval.deadline },
                    formatWhen(approval.deadline),
                  )
                : '—',
              awaiting
                ? h('span', { class: 'muted' }, ' · undecided by then, the run is released and pays nothing')
                : null,
            ),
          ]
        : null,
      awaiting ? null : decidedFacts(approval),
    ),
    awaiting && detail?.preview
      ? h(PreviewTables, { preview: detail.preview, props })
      : awaiting
        ? h('p', { class: 'muted' }, 'Loading the preview…')
        : null,
    awaiting && props.detail?.stopped
      ? h(
          'p',
          { class: 'muted', 'data-testid': 'approval-stopped' },
          'Its workflow is stopped: nobody can decide it until it is resumed. Release it below to give its commissions back.',
        )
      : awaiting
        ? props.canAct
          ? h(
              'div',
              { class: 'approval-actions' },
              props.actor && props.actor === run.startedBy
                ? h(
                    'p',
                    { class: 'field-hint muted', 'data-testid': 'approval-own-run' },
                    'You started this run: another operator decides it.',
                  )
                : null,
              rejecting
                ? h(ReasonForm, {
                    id: 'settlement-reject',
                    label:
                      'Why reject it? (required, audited; nothing is paid, its commissions become payable again)',
                    confirm: 'Reject run',
                    busyLabel: 'Rejecting…',
                    busy: busy === 'reject',
                    required: 'Say why: a rejection needs a reason.',
                    onSubmit: (reason) => decide('reject', reason),
                    onCancel: () => {
                      setRejecting(false);
                      requestAnimationFrame(() => rejectButton.current?.focus());
                    },
                  })
                : h(
                    'div',
                    { class: 'actions' },
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'button button-small button-success',
                        disabled: busy !== '',
                        'aria-busy': busy === 'approve',
                        'aria-label': `Approve run ${run.id}`,
                        'data-testid': 'settlement-approve',
                        onClick: () => decide('approve'),
                      },
                      busy === 'approve' ? 'Approving…' : 'Approve',
                    ),
                    h(
                      'button',
                      {
                        type: 'button',
                        ref: rejectButton,
                        class: 'button button-small button-danger',
                        disabled: busy !== '',
                        'aria-label': `Reject run ${run.id}`,
                        'data-testid': 'settlement-reject',
                        onClick: () => {
                          setProblem(null);
                          setRejecting(true);
                        },
                      },
                      'Reject…',
                    ),
                  ),
              problem
                ? h(ProblemNote, {
                    error: problem.error,
                    context: `Could not ${problem.action} ${run.id}`,
                    testId: 'settlement-approval-error',
                  })
                : null,
            )
          : readOnlyNote(props.role, 'approve or reject runs', 'settlement-approval-readonly')
        : null,
  );
}

function decidedFacts(a: SettlementApproval): ComponentChild[] {
  const expired = a.status === 'EXPIRED';
  return [
    h(
      'dt',
      { key: 'by-t' },
      expired ? 'Released by' : `${a.status === 'APPROVED' ? 'Approved' : 'Rejected'} by`,
    ),
    h('dd', { key: 'by-d', 'data-testid': 'approval-decided-by' }, a.decidedBy ?? '—'),
    h('dt', { key: 'at-t' }, expired ? 'Released at' : 'Decided at'),
    h(
      'dd',
      { key: 'at-d', 'data-testid': 'approval-decided-at' },
      a.decidedAt ? h('time', { dateTime: a.decidedAt, title: a.decidedAt }, formatWhen(a.decidedAt)) : '—',
    ),
    h('dt', { key: 'why-t' }, 'Reason'),
    h(
      'dd',
      { key: 'why-d', 'data-testid': 'approval-reason' },
      expired && a.reason === 'approval_timeout'
        ? 'nobody decided by the deadline'
        : (a.reason ?? h('span', { class: 'muted' }, 'none given')),
    ),
  ];
}

/** Per currency: payouts, their total, the largest (as the API lists them: largest first), and who is left out. */
function PreviewTables(p: { preview: SettlementPreview; props: RunActionProps }): ComponentChild {
  const { preview, props } = p;
  const currencies = Object.keys(preview).sort();
  const name = (id: string) => props.partners.get(id)?.name;
  return h(
    'div',
    { class: 'approval-preview', 'data-testid': 'approval-preview' },
    currencies.length === 0
      ? h('p', { class: 'muted' }, 'Nothing to pay.')
      : currencies.map((currency) => {
          const c = preview[currency]!;
          const skipped = Object.entries(c.skipped).filter(([, n]) => (n ?? 0) > 0);
          return h(
            'div',
            {
              key: currency,
              class: 'approval-currency',
              'data-testid': `approval-preview-${currency}`,
              'data-partners': c.partners,
              'data-total-minor': c.totalMinor,
            },
            h(
              'h4',
              { class: 'approval-currency-head' },
              h('span', null, currency),
              h(
                'span',
                { class: 'num strong', 'data-testid': `approval-total-${currency}` },
                formatMinorString(c.totalMinor, currency, props.locale),
              ),
              h(
                'span',
                { class: 'muted', 'data-testid': `approval-partners-${currency}` },
                `${c.partners} payout${c.partners === 1 ? '' : 's'}`,
              ),
            ),
            skipped.length
              ? h(
                  'p',
                  { class: 'approval-skipped', 'data-testid': `approval-skipped-${currency}` },
                  h('span', { class: 'muted' }, 'Left out: '),
                  skipped.map(([reason, n]) =>
                    h(
                      'span',
                      { key: reason, class: 'reason', 'data-reason': reason, 'data-count': n },
                      `${skipReasonLabel(reason)} · ${n}`,
                    ),
                  ),
                )
              : null,
            c.largest.length
              ? h(
                  'div',
                  { class: 'table-scroll' },
                  h(
                    'table',
                    { class: 'grid-table', 'data-testid': `approval-largest-${currency}` },
                    h(
                      'caption',
                      { class: 'table-note approval-caption' },
                      c.partners > c.largest.length
                        ? `The ${c.largest.length} largest of ${c.partners} payouts in ${currency}, largest first`
                        : `Every payout in ${currency}, largest first`,
                    ),
                    h(
                      'thead',
                      null,
                      h(
                        'tr',
                        null,
                        h('th', { scope: 'col', class: 'num' }, '#'),
                        h('th', { scope: 'col' }, 'Partner'),
                        h('th', { scope: 'col', class: 'num' }, 'Net'),
                      ),
                    ),
                    h(
                      'tbody',
                      null,
                      c.largest.map((x, i) =>
                        h(
                          'tr',
                          {
                            key: x.paymentId,
                            'data-partner-id': x.partnerId,
                            'data-payment-id': x.paymentId,
                            'data-minor': x.netMinor,
                          },
                          h('td', { class: 'num muted' }, i + 1),
                          h(
                            'td',
                            null,
                            h(
                              'button',
                              {
                                type: 'button',
                                class: 'link-button partner-link',
                                title: `Show the balance of ${name(x.partnerId) ?? x.partnerId}`,
                                onClick: () => props.onSelectPartner(x.partnerId),
                              },
                              name(x.partnerId) ?? h('code', { class: 'mono' }, shortId(x.partnerId)),
                            ),
                          ),
                          h(
                            'td',
                            { class: 'num nowrap' },
                            formatMinorString(x.netMinor, currency, props.locale),
                          ),
                        ),
                      ),
                    ),
                  ),
                )
              : null,
          );
        }),
  );
}

/**
 * A stopped run: recorded as running (or waiting for approval) while its workflow failed, was
 * terminated or timed out (`stopped`, as the API says). Nothing moves it any more; its commissions
 * for payouts never started are held until it is resumed or released. Release asks for a reason;
 * the API judges again (409 SETTLEMENT.RUNNING if it was resumed meanwhile), and its refusal is
 * shown here.
 */
export function ReleasePanel(props: RunActionProps): ComponentChild {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const { run } = props;
  const stranded = props.detail?.strandedCommissions ?? 0;
  const release = (reason: string) => {
    setBusy(true);
    setProblem(null);
    props.onRelease(reason).then(
      () => {
        setBusy(false);
        setOpen(false);
      },
      (e: unknown) => {
        setBusy(false);
        setProblem(e);
      },
    );
  };
  return h(
    'div',
    {
      class: 'settlement-section release-panel release-stopped',
      role: 'group',
      'aria-labelledby': 'release-heading',
      'data-testid': 'settlement-release',
    },
    h('h3', { id: 'release-heading', class: 'detail-title' }, 'Stopped'),
    h(
      'p',
      { class: 'approval-lead' },
      'Its workflow failed, was terminated or timed out: nothing moves this run any more.',
    ),
    h(
      'p',
      { 'data-testid': 'settlement-stranded', 'data-count': stranded },
      stranded
        ? `${stranded} commission${stranded === 1 ? ' is' : 's are'} held for payouts it never started.`
        : 'No commission is held for payouts it never started.',
    ),
    h(
      'p',
      { class: 'muted small' },
      'Resume it by starting the same period again, or release it: the payouts it had not started are ',
      'given back and their commissions become payable for the next run; payouts already started keep going.',
    ),
    !props.canAct
      ? readOnlyNote(props.role, 'release runs', 'settlement-release-readonly')
      : open
        ? h(ReasonForm, {
            id: 'settlement-release',
            label: 'Why release it? (required, audited)',
            confirm: 'Release run',
            busyLabel: 'Releasing…',
            busy,
            required: 'Say why: a release needs a reason.',
            onSubmit: release,
            onCancel: () => {
              setOpen(false);
              requestAnimationFrame(() => opener.current?.focus());
            },
          })
        : h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                ref: opener,
                class: 'button button-small button-danger',
                'aria-label': `Release run ${run.id}`,
                'data-testid': 'settlement-release-open',
                onClick: () => {
                  setProblem(null);
                  setOpen(true);
                },
              },
              'Release…',
            ),
          ),
    problem
      ? h(ProblemNote, {
          error: problem,
          context: `Could not release ${run.id}`,
          testId: 'settlement-release-error',
        })
      : null,
  );
}

/** A released run: what its release gave back, as far as this page knows it. */
export function ReleasedNote(props: { run: SettlementRunSummary }): ComponentChild {
  const r = props.run.release;
  return h(
    'p',
    {
      class: 'released-note',
      role: 'status',
      'data-testid': 'settlement-released',
      'data-payouts': r?.payouts,
      'data-commissions': r?.commissions,
    },
    r
      ? [
          h('strong', { key: 'w' }, `Released by ${r.by || 'an operator'}`),
          ` ${formatWhen(r.at)}`,
          r.reason ? `: ${r.reason}` : '',
          '. ',
          h(
            'span',
            { key: 'n', 'data-testid': 'settlement-released-counts' },
            `${r.payouts} unstarted payout${r.payouts === 1 ? '' : 's'} given back`,
            r.commissions === undefined
              ? ''
              : `, ${r.commissions} commission${r.commissions === 1 ? '' : 's'} payable again`,
            '.',
          ),
        ]
      : 'Released: the payouts it had not started were given back, their commissions payable again.',
  );
}
