import { Router } from 'express';
import type { PaymentView } from '../infra/db/payment.queries';
import type { PaymentCommands, PaymentReads } from './api.ports';
import { ProblemError } from './problem';
import { createPaymentBody, paymentIdParam } from './payment.schemas';

export interface PaymentRoutesDeps {
  commands: PaymentCommands;
  reads: PaymentReads;
  temporalUiUrl: string;
  namespace: string;
  newId: () => string;
}

export function paymentRoutes(deps: PaymentRoutesDeps): Router {
  const router = Router();
  const workflowLink = (workflowId: string, runId?: string | null): string =>
    `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}` +
    (runId ? `/${encodeURIComponent(runId)}` : '');

  router.post('/payments', async (req, res) => {
    const body = createPaymentBody.parse(req.body);
    const paymentId = deps.newId();
    const { workflowId, runId } = await deps.commands.start({ ...body, paymentId, createdBy: 'anonymous' });
    res
      .status(202)
      .location(`/payments/${paymentId}`)
      .json({
        id: paymentId,
        status: 'PENDING',
        workflowId,
        runId,
        temporalUiUrl: workflowLink(workflowId, runId),
      });
  });

  router.get('/payments/:id', async (req, res) => {
    const { id } = paymentIdParam.parse(req.params);
    const view = await deps.reads.getById(id);
    if (view) return void res.json(present(view, deps.commands.workflowId(id), workflowLink));
    const live = await deps.commands.liveState(id);
    if (!live) throw new ProblemError(404, 'Payment not found', `no payment with id ${id}`);
    const workflowId = deps.commands.workflowId(id);
    res.json({ id, ...live, lines: [], events: [], workflowId, temporalUiUrl: workflowLink(workflowId) });
  });

  return router;
}

function present(view: PaymentView, workflowId: string, link: (w: string, r?: string | null) => string) {
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
