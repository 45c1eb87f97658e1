import { h, type ComponentChild } from 'preact';
import type { FeedEntry } from './dashboard-state';
import { eventLabel, formatWhen, shortId } from './format';
import { StatusChip } from './status-chip';

/** The latest events of the log, newest first, each tagged with its log position. */
export function EventFeed(props: {
  feed: readonly FeedEntry[];
  onSelectPayment: (id: string) => void;
  /** Opens a settlement run in the Settlements view. */
  onSelectSettlement?: (id: string) => void;
}): ComponentChild {
  if (props.feed.length === 0) {
    return h('p', { class: 'muted feed-empty', 'data-testid': 'event-feed' }, 'Waiting for events…');
  }
  return h(
    'ol',
    { class: 'feed', 'data-testid': 'event-feed', 'aria-label': 'Latest events, newest first' },
    props.feed.map(({ position, event }) => {
      const paymentId = typeof event.data.paymentId === 'string' ? event.data.paymentId : undefined;
      const status = typeof event.data.status === 'string' ? event.data.status : undefined;
      const settlementId = event.aggregate.type === 'Settlement' ? event.aggregate.id : undefined;
      const { onSelectSettlement } = props;
      return h(
        'li',
        {
          key: position,
          class: `feed-item feed-${event.aggregate.type.toLowerCase()}`,
          'data-testid': `feed-event-${position}`,
          'data-position': position,
          'data-type': event.type,
          'data-payment-id': paymentId,
        },
        h('span', { class: 'feed-pos mono', title: 'log position' }, `#${position}`),
        h(
          'span',
          { class: 'feed-main' },
          h('span', { class: 'feed-type' }, eventLabel(event.type)),
          h(
            'span',
            { class: 'feed-sub' },
            paymentId
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'link-button mono',
                    'aria-label': `Show payment ${shortId(paymentId)}`,
                    onClick: () => props.onSelectPayment(paymentId),
                  },
                  shortId(paymentId),
                )
              : null,
            status && event.aggregate.type === 'Payment' ? h(StatusChip, { status, small: true }) : null,
            settlementId && onSelectSettlement
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'link-button mono',
                    'aria-label': `Show settlement run ${settlementId}`,
                    onClick: () => onSelectSettlement(settlementId),
                  },
                  settlementId.replace(/^settlement:/, ''),
                )
              : null,
            settlementId ? settlementCounts(event.data) : null,
          ),
        ),
        h('time', { class: 'feed-time muted', dateTime: event.occurredAt }, formatWhen(event.occurredAt)),
      );
    }),
  );
}

/** `12/30` for a run's progress and completion events: how far it was at that moment. */
function settlementCounts(d: Record<string, unknown>): ComponentChild {
  if (typeof d.itemCount !== 'number') return null;
  const finished = typeof d.finishedCount === 'number' ? d.finishedCount : 0;
  return h('span', { class: 'muted' }, `${finished}/${d.itemCount}`);
}
