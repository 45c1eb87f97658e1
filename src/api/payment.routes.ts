import { Router, type Request } from 'express';
import type { PaymentView } from '../infra/db/payment.queries';
import type { PaymentAction, PaymentReads } from './api.ports';
import { decodeCursor, page } from './pagination';
import { submitPayment, type IntakeDeps } from './payment-intake';
import { ProblemError } from './problem';
import {
  actorHeader,
  createPaymentBody,
  decisionBody,
  idempotencyKeyHeader,
  listPaymentsQuery,
  paymentIdParam,
} from './payment.schemas';

export interface PaymentRoutesDeps extends IntakeDeps {
  reads: PaymentReads;
  temporalUiUrl: string;
  namespace: string;
}

export type WorkflowLink = (workflowId: string, runId?: string | null) => string;

export const workflowLinker =
  (temporalUiUrl: string, namespace: string): WorkflowLink =>
  (workflowId, runId) =>
    `${temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` +
    (runId ? `/${encodeURIComponent(runId)}` : '');

export const actorOf = (req: Request): string => actorHeader.parse(req.get('x-actor'));

export function paymentRoutes(deps: PaymentRoutesDeps): Router {
  const router = Router();
  const link = workflowLinker(deps.temporalUiUrl, deps.namespace);

  /** The read model when it has the payment, else the running workflow's own state. */
  const current = async (id: string) => {
    const view = await deps.reads.getById(id);
    if (view) return present(view, deps.commands.workflowId(id), link);
    const live = await deps.commands.liveState(id);
    if (!live) throw new ProblemError(404, 'Payment not found', `no payment with id ${id}`);
    const workflowId = deps.commands.workflowId(id);
    return { id, ...live, lines: [], events: [], workflowId, runId: null, temporalUiUrl: link(workflowId) };
  };

  router.post('/payments', async (req, res) => {
    const body = createPaymentBody.parse(req.body);
    const idempotencyKey = idempotencyKeyHeader.parse(req.get('idempotency-key'));
    const { paymentId, outcome, replayed } = await submitPayment(deps, body, {
      actor: actorOf(req),
      idempotencyKey,
    });
    res.location(`/payments/${paymentId}`);
    if (replayed) {
      res.set('Idempotent-Replay', 'true');
      return void res.status(200).json(await current(paymentId));
    }
    res.status(202).json({
      id: paymentId,
      status: 'PENDING',
      workflowId: outcome.workflowId,
      runId: outcome.runId,
      temporalUiUrl: link(outcome.workflowId, outcome.runId),
    });
  });

  router.get('/payments', async (req, res) => {
    const q = listPaymentsQuery.parse(req.query);
    const rows = await deps.reads.list({ ...q, limit: q.limit + 1, after: decodeCursor(q.cursor) });
    const { items, nextCursor } = page(rows, q.limit);
    res.json({
      items: items.map((p) => {
        const workflowId = deps.commands.workflowId(p.id);
        return { ...p, workflowId, temporalUiUrl: link(workflowId) };
      }),
      nextCursor,
    });
  });

  router.get('/payments/:id', async (req, res) => {
    const { id } = paymentIdParam.parse(req.params);
    res.json(await current(id));
  });

  const actions: PaymentAction[] = ['approve', 'reject', 'cancel', 'refund'];
  for (const action of actions) {
    router.post(`/payments/:id/${action}`, async (req, res) => {
      const { id } = paymentIdParam.parse(req.params);
      const { reason } = decisionBody.parse(req.body);
      await deps.commands.decide(id, action, { actor: actorOf(req), reason });
      res.json(await current(id));
    });
  }

  return router;
}

function present(view: PaymentView, workflowId: string, link: WorkflowLink) {
  const runId = view.events.find((e) => e.runId)?.runId ?? null;
  const { events, ...payment } = view;
  return {
    ...payment,
    workflowId,
    runId,
    temporalUiUrl: link(workflowId, runId),
    events: events.map((e) => ({
      position: e.position,
      id: e.id,
      type: e.type,
      occurredAt: e.occurredAt,
      data: e.data,
    })),
  };
}
