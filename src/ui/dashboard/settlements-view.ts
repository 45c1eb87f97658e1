import { h, type ComponentChild } from 'preact';
import { useCallback, useEffect, useRef } from 'preact/hooks';
import { ApiError, type ApiClient, type Partner } from './api-client';
import { formatWhen } from './format';
import { schedulesLink, temporalWorkflowLink, workflowLink, type PublicConfig } from './public-config';
import { SettlementDetail } from './settlement-detail';
import {
  progressView,
  selectedRunId,
  sortedRuns,
  type SettlementDecisionAction,
  type SettlementSchedule,
  type SettlementsAction,
  type SettlementsState,
} from './settlement-state';
import { StatusChip } from './status-chip';
import { useThrottledReload } from './use-throttled-reload';

/** While a run is RUNNING its detail is re-read this often even if no event arrives (a lost socket). */
const POLL_MS = 3_000;
/** Events come per finished payout; the detail is re-read at most this often because of them. */
const EVENT_REFETCH_MS = 400;
const LIST_LIMIT = 50;

export interface SettlementsViewProps {
  api: ApiClient;
  /** The signed-in key: everything is re-read when it changes. */
  apiKey: string;
  config: PublicConfig;
  state: SettlementsState;
  dispatch: (a: SettlementsAction) => void;
  partners: ReadonlyMap<string, Partner>;
  locale: string | undefined;
  onError: (e: unknown, context: string) => void;
  onSelectPayment: (paymentId: string) => void;
  onSelectPartner: (partnerId: string) => void;
  /** The key's role may approve, reject and release runs. */
  canAct: boolean;
  role: string | undefined;
  /** The signed-in key's name (from its stream token), when known. */
  actor: string | undefined;
}

/** Settlement runs: the schedule, past runs, and the selected (or running) run, live. */
export function SettlementsView(props: SettlementsViewProps): ComponentChild {
  const { api, apiKey, state, dispatch, onError } = props;
  const stateRef = useRef(state);
  stateRef.current = state;
  // The poll retries every few seconds: one toast when reads start failing, not one per attempt.
  const failing = useRef(false);

  const loadList = useCallback(() => {
    api.listSettlements(LIST_LIMIT).then(
      (list) => dispatch({ type: 'list-loaded', list }),
      (e: unknown) => onError(e, 'Could not load settlement runs'),
    );
  }, [api, dispatch, onError]);

  const loadDetail = useCallback(
    (id: string) => {
      api.getSettlement(id).then(
        (settlement) => {
          failing.current = false;
          dispatch({ type: 'detail-loaded', settlement });
        },
        (e: unknown) => {
          // Just started: the workflow writes the run's row a moment after the 202; the poll retries.
          const s = stateRef.current;
          if (
            e instanceof ApiError &&
            e.status === 404 &&
            !s.details[id] &&
            s.runs[id]?.status === 'RUNNING'
          ) {
            return;
          }
          if (failing.current) return;
          failing.current = true;
          onError(e, `Could not load ${id}`);
        },
      );
    },
    [api, dispatch, onError],
  );

  useEffect(() => loadList(), [loadList, apiKey]);
  useThrottledReload(state.listTouched, EVENT_REFETCH_MS, loadList);

  const id = selectedRunId(state);
  const run = id ? state.runs[id] : undefined;
  // Awaiting approval too: a lost socket must not hide a decision (or the deadline's release).
  const running = run?.status === 'RUNNING' || run?.status === 'AWAITING_APPROVAL';
  useEffect(() => {
    if (id) loadDetail(id);
  }, [id, loadDetail, apiKey]);
  useThrottledReload(id ? `${id}@${state.touched[id] ?? 0}` : '', EVENT_REFETCH_MS, () => {
    if (id) loadDetail(id);
  });
  useEffect(() => {
    if (!id || !running) return;
    const t = setInterval(() => loadDetail(id), POLL_MS);
    return () => clearInterval(t);
  }, [id, running, loadDetail]);

  // The answer moves the run at once; the refetch (and the run's events) bring the rest.
  const decide = useCallback(
    async (runId: string, action: SettlementDecisionAction, reason: string | undefined) => {
      const decision = await api.decideSettlement(runId, action, reason);
      dispatch({ type: 'decided', decision, reason: reason ?? null, at: new Date().toISOString() });
      loadDetail(runId);
      loadList();
      return decision;
    },
    [api, dispatch, loadDetail, loadList],
  );
  const release = useCallback(
    async (runId: string, reason: string) => {
      const released = await api.releaseSettlement(runId, reason);
      dispatch({ type: 'released', released, by: props.actor ?? '', reason, at: new Date().toISOString() });
      loadDetail(runId);
      loadList();
      return released;
    },
    [api, dispatch, loadDetail, loadList, props.actor],
  );

  return h(
    'div',
    { class: 'main-col', 'data-testid': 'settlements-view' },
    h(ScheduleCard, { schedule: state.schedule, config: props.config }),
    h(RunsTable, { state, selected: id, dispatch, locale: props.locale }),
    run && id
      ? h(SettlementDetail, {
          run,
          detail: state.details[id],
          progress: state.progress[id],
          partners: props.partners,
          locale: props.locale,
          workflowUrl: temporalWorkflowLink(props.config, id),
          paymentWorkflowUrl: (paymentId) => workflowLink(props.config, paymentId),
          onSelectPayment: props.onSelectPayment,
          onSelectPartner: props.onSelectPartner,
          canAct: props.canAct,
          role: props.role,
          actor: props.actor,
          onDecide: (action, reason) => decide(id, action, reason),
          onRelease: (reason) => release(id, reason),
        })
      : null,
  );
}

function ScheduleCard(props: {
  schedule: SettlementSchedule | null | undefined;
  config: PublicConfig;
}): ComponentChild {
  const { schedule } = props;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'schedule-heading', 'data-testid': 'settlement-schedule' },
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: 'schedule-heading', class: 'panel-title', tabIndex: -1 }, 'Settlement schedule'),
      h(
        'a',
        {
          class: 'link',
          href: schedulesLink(props.config),
          target: '_blank',
          rel: 'noopener noreferrer',
          'data-testid': 'schedules-link',
        },
        'Schedules in Temporal',
        h('span', { 'aria-hidden': 'true' }, ' ↗'),
        h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'),
      ),
    ),
    h(
      'div',
      { class: 'schedule-body' },
      schedule === undefined
        ? h('p', { class: 'muted' }, 'Loading…')
        : schedule === null
          ? h(
              'p',
              { class: 'schedule-off', 'data-testid': 'schedule-state', 'data-state': 'off' },
              h('strong', null, 'Schedule off'),
              h(
                'span',
                { class: 'muted' },
                ' — no run starts by itself (SETTLEMENT_SCHEDULE=off). Start runs with the form.',
              ),
            )
          : h(
              'div',
              {
                class: 'schedule-on',
                'data-testid': 'schedule-state',
                'data-state': schedule.paused ? 'paused' : 'on',
              },
              h(
                'div',
                { class: 'schedule-next' },
                h('span', { class: 'muted' }, 'Next scheduled run'),
                h(
                  'strong',
                  { 'data-testid': 'schedule-next-run' },
                  schedule.paused
                    ? 'Paused'
                    : schedule.nextRunAt
                      ? h('time', { dateTime: schedule.nextRunAt }, formatWhen(schedule.nextRunAt))
                      : '—',
                ),
              ),
              h(
                'dl',
                { class: 'facts facts-inline' },
                h('dt', null, 'Schedule'),
                h('dd', null, h('code', { class: 'mono' }, schedule.scheduleId)),
                h('dt', null, 'Spec'),
                h('dd', null, h('code', { class: 'mono' }, schedule.spec)),
                h('dt', null, 'Recent runs'),
                h(
                  'dd',
                  null,
                  schedule.recentRuns.length
                    ? schedule.recentRuns
                        .slice(-3)
                        .reverse()
                        .map((r) => `${formatWhen(r.scheduledAt)} (${r.workflowId})`)
                        .join(', ')
                    : 'none yet',
                ),
              ),
            ),
    ),
  );
}

function RunsTable(props: {
  state: SettlementsState;
  selected: string | null;
  dispatch: (a: SettlementsAction) => void;
  locale: string | undefined;
}): ComponentChild {
  const runs = sortedRuns(props.state);
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'runs-heading' },
    h(
      'div',
      { class: 'panel-head' },
      h(
        'h2',
        { id: 'runs-heading', class: 'panel-title' },
        'Runs ',
        h('span', { class: 'count', 'data-testid': 'settlements-count' }, runs.length),
      ),
      h('span', { class: 'muted small' }, 'Newest first; select one to follow it.'),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'payments runs', 'data-testid': 'settlements-table' },
        h('caption', { class: 'visually-hidden' }, 'Settlement runs, newest first, updated live'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'Run'),
            h('th', { scope: 'col' }, 'Currency'),
            h('th', { scope: 'col' }, 'Status'),
            h('th', { scope: 'col' }, 'Trigger'),
            h('th', { scope: 'col' }, 'Started by'),
            h('th', { scope: 'col', class: 'num' }, 'Payouts'),
            h('th', { scope: 'col', class: 'num' }, 'Skipped'),
            h('th', { scope: 'col' }, 'Created'),
            h('th', { scope: 'col' }, 'Completed'),
          ),
        ),
        h(
          'tbody',
          null,
          runs.length === 0
            ? h(
                'tr',
                null,
                h(
                  'td',
                  { colSpan: 9, class: 'empty', 'data-testid': 'settlements-empty' },
                  'No settlement runs yet.',
                ),
              )
            : runs.map((run) => {
                const selected = run.id === props.selected;
                const awaiting = run.status === 'AWAITING_APPROVAL';
                const p = progressView(props.state.progress[run.id], run);
                return h(
                  'tr',
                  {
                    key: run.id,
                    class: `row${selected ? ' row-open' : ''}${awaiting ? ' row-attention' : ''}`,
                    'data-testid': `settlement-row-${run.id}`,
                    'data-status': run.status,
                  },
                  h(
                    'td',
                    { class: 'payment-cell' },
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'link-button run-select',
                        'aria-pressed': selected,
                        'data-testid': `select-${run.id}`,
                        onClick: () => props.dispatch({ type: 'select', id: run.id }),
                      },
                      h('span', { class: 'visually-hidden' }, 'Show run '),
                      h('span', { class: 'mono' }, run.periodEnd || run.id),
                    ),
                    h('span', { class: 'payment-meta mono' }, run.id),
                  ),
                  h('td', null, run.currency ?? 'all'),
                  h(
                    'td',
                    null,
                    h(StatusChip, { status: run.status, small: true }),
                    run.stopped
                      ? h(StatusChip, { status: 'STOPPED', small: true, testId: `run-stopped-${run.id}` })
                      : null,
                  ),
                  h('td', null, run.trigger),
                  h('td', null, run.startedBy || '—'),
                  h(
                    'td',
                    { class: 'num' },
                    run.status === 'RUNNING' && p.total > 0 ? `${p.finished} / ${p.total}` : run.itemCount,
                  ),
                  h('td', { class: 'num' }, run.skippedCount),
                  h('td', { class: 'nowrap' }, formatWhen(run.createdAt)),
                  h('td', { class: 'nowrap' }, run.completedAt ? formatWhen(run.completedAt) : '—'),
                );
              }),
        ),
      ),
    ),
  );
}
