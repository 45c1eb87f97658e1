import { h, type ComponentChild } from 'preact';
import { statusLabel } from './format';
import {
  orderedStatuses,
  progressView,
  type SettlementProgress as Progress,
  type SettlementRunSummary,
} from './settlement-state';

/**
 * A run's payouts as a bar: finished of planned, live from the `SettlementProgress` events. A real
 * `progressbar` (0–100 with a text value), so a screen reader hears "12 of 30 payouts, 40 %".
 */
export function SettlementProgress(props: {
  progress: Progress | undefined;
  run: SettlementRunSummary | undefined;
}): ComponentChild {
  const view = progressView(props.progress, props.run);
  const planning = !view.done && view.total === 0;
  const text = planning
    ? 'Planning…'
    : `${view.finished} of ${view.total} payout${view.total === 1 ? '' : 's'} · ${view.percent}%`;
  const breakdown = orderedStatuses(props.progress?.byStatus ?? {}).filter(([, n]) => n > 0);
  return h(
    'div',
    { class: 'progress-block' },
    h(
      'div',
      {
        class: `progress${view.done ? ' progress-done' : ''}`,
        role: 'progressbar',
        'aria-label': 'Settlement progress',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': view.percent,
        'aria-valuetext': planning
          ? 'planning'
          : `${view.finished} of ${view.total} payouts, ${view.percent}%`,
        'data-testid': 'settlement-progress',
        'data-finished': view.finished,
        'data-total': view.total,
        'data-status': view.done ? 'COMPLETED' : 'RUNNING',
      },
      h('div', { class: 'progress-fill', style: { width: `${view.percent}%` } }),
    ),
    h(
      'p',
      { class: 'progress-text' },
      h('span', { 'data-testid': 'settlement-progress-text' }, text),
      breakdown.length
        ? h(
            'span',
            { class: 'progress-breakdown muted' },
            breakdown.map(([status, n]) =>
              h(
                'span',
                { key: status, class: 'progress-part', 'data-status': status },
                `${n} ${statusLabel(status).toLowerCase()}`,
              ),
            ),
          )
        : null,
    ),
  );
}
