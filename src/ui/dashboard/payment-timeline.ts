import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient, PaymentTimeline } from './api-client';
import { formatWhen } from './format';

const KIND_CLASS: Record<string, string> = {
  'activity-failed': 'tl-bad',
  'update-refused': 'tl-bad',
  'activity-retrying': 'tl-warn',
  'activity-completed': 'tl-good',
  'update-completed': 'tl-good',
  event: 'tl-event',
};

/**
 * "Where is payout X and why": the payment's events and its workflow history in one list, read
 * when the drawer opens (and again on demand), with the Web UI one click away.
 */
export function PaymentTimelinePanel(props: {
  api: ApiClient;
  paymentId: string;
  /** Changes when the payment moved (its status), so an open drawer stays current. */
  refreshKey: string;
  workflowUrl: string;
}): ComponentChild {
  const [timeline, setTimeline] = useState<PaymentTimeline | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [manual, setManual] = useState(0);
  const { api, paymentId } = props;

  useEffect(() => {
    let cancelled = false;
    api.timeline(paymentId).then(
      (t) => {
        if (cancelled) return;
        setTimeline(t);
        setError(null);
      },
      (e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, paymentId, props.refreshKey, manual]);

  return h(
    'div',
    { class: 'detail-col timeline', 'data-testid': `timeline-${paymentId}` },
    h(
      'div',
      { class: 'timeline-head' },
      h('h3', { class: 'detail-title' }, 'Timeline'),
      h(
        'a',
        {
          class: 'link',
          href: timeline?.temporalUiUrl ?? props.workflowUrl,
          target: '_blank',
          rel: 'noopener noreferrer',
          'data-testid': `timeline-web-ui-${paymentId}`,
        },
        'Open in Temporal Web UI ↗',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button button-ghost button-small',
          'data-testid': `timeline-refresh-${paymentId}`,
          onClick: () => setManual((n) => n + 1),
        },
        'Refresh',
      ),
    ),
    error ? h('p', { class: 'muted', role: 'alert' }, `Could not load the timeline: ${error}`) : null,
    timeline?.message
      ? h('p', { class: 'timeline-note', 'data-testid': `timeline-deleted-${paymentId}` }, timeline.message)
      : null,
    timeline?.workflowStatus && timeline.workflowStatus !== 'RUNNING'
      ? h('p', { class: 'muted small' }, `Workflow ${timeline.workflowStatus.toLowerCase()}.`)
      : null,
    timeline
      ? h(
          'ol',
          { class: 'timeline-list' },
          timeline.entries.map((e, i) =>
            h(
              'li',
              {
                key: `${i}`,
                class: `tl ${KIND_CLASS[e.kind] ?? ''}`,
                'data-kind': e.kind,
                'data-name': e.name ?? '',
                'data-attempt': e.attempt ?? '',
                'data-testid': 'timeline-entry',
              },
              h('time', { class: 'muted mono', dateTime: e.at, title: e.at }, formatWhen(e.at)),
              h('span', { class: 'tl-label' }, e.label),
              e.failure ? h('span', { class: 'tl-failure', title: e.failure }, e.failure) : null,
              e.kind === 'activity-retrying' && e.nextAt
                ? h('span', { class: 'muted' }, `next try ${formatWhen(e.nextAt)}`)
                : null,
            ),
          ),
        )
      : error
        ? null
        : h('p', { class: 'muted' }, 'Loading…'),
  );
}
