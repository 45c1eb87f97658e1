import type { PaymentTimelineReader, TimelineEntry } from '../ports/payment-timeline.port';
import { paymentReader, workflowLinker, type PaymentRoutesDeps } from './payment.routes';
import { paymentIdParam } from './payment.schemas';
import { paymentTimeline } from './payment-timeline.schemas';
import type { RouteTable } from './route-kit';

export interface PaymentTimelineDeps extends PaymentRoutesDeps {
  timeline: PaymentTimelineReader;
}

/** Splits a PaymentApproved into "Payment approved", as the dashboard's event labels do. */
const eventLabel = (type: string): string => {
  const spaced = type.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return spaced.charAt(0) + spaced.slice(1).toLowerCase();
};

/** Our events and the engine's history in one list: time first, then history order, then ours. */
export function mergeTimeline(
  events: ReadonlyArray<{
    position: number;
    type: string;
    occurredAt: string;
    data: Record<string, unknown>;
  }>,
  temporalEntries: readonly TimelineEntry[],
): TimelineEntry[] {
  const ours: TimelineEntry[] = events.map((e) => {
    const actor = typeof e.data.actor === 'string' ? ` by ${e.data.actor}` : '';
    const reason = typeof e.data.reason === 'string' ? ` (${e.data.reason})` : '';
    return {
      at: e.occurredAt,
      source: 'event-log',
      kind: 'event',
      name: e.type,
      position: e.position,
      label: `${eventLabel(e.type)}${actor}${reason}`,
    };
  });
  const all = [...temporalEntries.map((e, i) => ({ e, i })), ...ours.map((e, i) => ({ e, i: 1e9 + i }))];
  all.sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i);
  return all.map(({ e }) => e);
}

/** `GET /payments/:id/timeline`: "where is payout X and why" in one ordered list. */
export function paymentTimelineRoutes(routes: RouteTable, deps: PaymentTimelineDeps): void {
  const current = paymentReader(deps);
  const link = workflowLinker(deps.temporalUiUrl, deps.namespace);
  routes.add({
    method: 'get',
    path: '/payments/:id/timeline',
    summary: 'A payment’s timeline: its events merged with its workflow history',
    tag: 'Payments',
    roles: ['operator', 'viewer', 'partner'],
    params: paymentIdParam,
    responses: {
      200: {
        description:
          'Activity attempts and failures, retries with the next retry time, timers, updates and signals, and the payment’s events, oldest first; `history: deleted` when retention removed the workflow history',
        schema: paymentTimeline,
      },
    },
    handler: async ({ params, principal, res }) => {
      // The same scoping as reading the payment: a partner's key sees only its own (404 otherwise).
      const payment = await current(params.id, principal);
      const engine = await deps.timeline.read(params.id);
      const runId = engine.runId ?? payment.runId;
      res.json({
        paymentId: payment.id,
        status: payment.status,
        workflowId: payment.workflowId,
        runId,
        temporalUiUrl: link(payment.workflowId, runId),
        history: engine.history,
        workflowStatus: engine.workflowStatus ?? null,
        message:
          engine.history === 'deleted'
            ? 'The workflow history is no longer kept (namespace retention): only the payment’s own events are shown.'
            : null,
        entries: mergeTimeline(payment.events, engine.entries),
      });
    },
  });
}
