import type { PaymentAction, PaymentReads, PaymentView } from '../ports/payment.port';
import { statementCsv, statementHtml } from '../domain/remittance-statement';
import { presentEvent } from './event-view';
import { decodeCursor, page } from './pagination';
import { submitPayment, type IntakeDeps } from '../application/submit-payment';
import { ProblemError } from '../shared/http/problem';
import {
  acceptedPayment,
  createPaymentBody,
  decisionBody,
  statementQuery,
  listPaymentsQuery,
  paymentHeaders,
  paymentIdParam,
  paymentPage,
  paymentResponse,
} from './payment.schemas';
import type { RouteTable } from './route-kit';
import type { Principal } from '../ports/principal';

export interface PaymentRoutesDeps extends IntakeDeps {
  reads: PaymentReads;
  temporalUiUrl: string;
  namespace: string;
  /** `POST /payments` without an Idempotency-Key is a 400 (IDEMPOTENCY_KEY_REQUIRED, default true). */
  idempotencyKeyRequired?: boolean;
}

/**
 * The 400 the IETF Idempotency-Key draft (draft-ietf-httpapi-idempotency-key-header) prescribes
 * for a request that omits the header where the operation requires it: a client that retries after
 * a lost response must send the same key, or it would pay twice.
 */
export function missingIdempotencyKey(): ProblemError {
  return new ProblemError(
    400,
    'Idempotency-Key is missing',
    'this operation is idempotent and requires an Idempotency-Key header: a unique value per payment ' +
      '(e.g. a UUID), sent again unchanged when the request is retried',
    {
      code: 'IDEMPOTENCY.KEY_REQUIRED',
      errors: [{ field: 'Idempotency-Key', message: 'required header is missing' }],
    },
  );
}

/** The same Idempotency-Key with a different body: a client bug, never a second payment. */
export function keyReused(paymentId: string): ProblemError {
  return new ProblemError(
    422,
    'Idempotency key reused',
    'this Idempotency-Key was already used with a different request body',
    { code: 'IDEMPOTENCY.KEY_REUSED', paymentId },
  );
}

export type WorkflowLink = (workflowId: string, runId?: string | null) => string;

export const workflowLinker =
  (temporalUiUrl: string, namespace: string): WorkflowLink =>
  (workflowId, runId) =>
    `${temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` +
    (runId ? `/${encodeURIComponent(runId)}` : '');

/** The payment as stored, or (before the first activity commits) as the running workflow sees it. */
export function paymentReader(deps: PaymentRoutesDeps) {
  const link = workflowLinker(deps.temporalUiUrl, deps.namespace);
  return async (id: string, principal: Principal | undefined) => {
    const view = await deps.reads.getById(id);
    const found = view ? present(view, deps.commands.workflowId(id), link) : await live(id);
    if (!found) throw new ProblemError(404, 'Payment not found', `no payment with id ${id}`);
    if (principal?.role === 'partner' && found.partnerId !== principal.partnerId) {
      throw new ProblemError(404, 'Payment not found', `no payment with id ${id}`);
    }
    return found;
  };

  async function live(id: string) {
    const state = await deps.commands.liveState(id);
    if (!state) return undefined;
    const workflowId = deps.commands.workflowId(id);
    return { id, ...state, lines: [], events: [], workflowId, runId: null, temporalUiUrl: link(workflowId) };
  }
}

export function paymentRoutes(routes: RouteTable, deps: PaymentRoutesDeps): void {
  const link = workflowLinker(deps.temporalUiUrl, deps.namespace);
  const current = paymentReader(deps);

  routes.add({
    method: 'post',
    path: '/payments',
    summary: 'Start a payment',
    tag: 'Payments',
    roles: ['operator'],
    headers: paymentHeaders,
    body: createPaymentBody,
    responses: {
      202: {
        description: 'Accepted: the payment workflow started',
        schema: acceptedPayment,
        headers: { Location: 'the payment’s URL' },
      },
      200: {
        description: 'Idempotent replay: the payment this key already created',
        schema: paymentResponse,
        headers: { 'Idempotent-Replay': 'true' },
      },
    },
    handler: async ({ body, principal, req, res }) => {
      const idempotencyKey = paymentHeaders.shape['idempotency-key'].parse(req.get('idempotency-key'));
      if (idempotencyKey === undefined && deps.idempotencyKeyRequired !== false)
        throw missingIdempotencyKey();
      const submitted = await submitPayment(deps, body, { actor: principal!.name, idempotencyKey });
      if (submitted.kind === 'key-reused') throw keyReused(submitted.paymentId);
      const { paymentId, outcome } = submitted;
      const replayed = submitted.kind === 'replayed';
      res.location(`/payments/${paymentId}`);
      req.log?.info({ paymentId, workflowId: outcome.workflowId, replayed }, 'payment accepted');
      if (replayed) {
        res.set('Idempotent-Replay', 'true');
        return void res.status(200).json(await current(paymentId, principal));
      }
      res.status(202).json({
        id: paymentId,
        status: 'PENDING',
        workflowId: outcome.workflowId,
        runId: outcome.runId,
        temporalUiUrl: link(outcome.workflowId, outcome.runId),
      });
    },
  });

  routes.add({
    method: 'get',
    path: '/payments',
    summary: 'List payments',
    tag: 'Payments',
    roles: ['operator', 'viewer', 'partner'],
    query: listPaymentsQuery,
    responses: { 200: { description: 'A page of payments, newest first', schema: paymentPage } },
    handler: async ({ query, principal, res }) => {
      let partnerId = query.partnerId;
      if (principal?.role === 'partner') {
        if (partnerId && partnerId !== principal.partnerId) {
          throw new ProblemError(403, 'Forbidden', 'a partner key may only list its own payments');
        }
        partnerId = principal.partnerId;
      }
      const rows = await deps.reads.list({
        ...query,
        partnerId,
        limit: query.limit + 1,
        after: decodeCursor(query.cursor),
      });
      const { items, nextCursor } = page(rows, query.limit);
      res.json({
        items: items.map((p) => {
          const workflowId = deps.commands.workflowId(p.id);
          return { ...p, workflowId, runId: null, temporalUiUrl: link(workflowId) };
        }),
        nextCursor,
      });
    },
  });

  routes.add({
    method: 'get',
    path: '/payments/:id',
    summary: 'Read a payment',
    tag: 'Payments',
    roles: ['operator', 'viewer', 'partner'],
    params: paymentIdParam,
    responses: {
      200: { description: 'The payment with its lines and event history', schema: paymentResponse },
    },
    handler: async ({ params, principal, res }) => {
      res.json(await current(params.id, principal));
    },
  });

  routes.add({
    method: 'get',
    path: '/payments/:id/statement',
    summary: 'A payout’s remittance advice: every commission and clawback behind it',
    tag: 'Payments',
    roles: ['operator', 'viewer', 'partner'],
    params: paymentIdParam,
    query: statementQuery,
    responses: {
      200: { description: 'JSON (default), CSV (`format=csv`) or a printable HTML page (`format=html`)' },
    },
    handler: async ({ params, query, principal, res }) => {
      const statement = await deps.reads.statement(params.id);
      if (!statement || (principal?.role === 'partner' && statement.partner.id !== principal.partnerId)) {
        throw new ProblemError(404, 'Payment not found', `no payment with id ${params.id}`);
      }
      if (query.format === 'csv') {
        res
          .type('text/csv; charset=utf-8')
          .set('Content-Disposition', `attachment; filename="statement-${params.id}.csv"`)
          .send(statementCsv(statement));
      } else if (query.format === 'html') {
        res.type('text/html; charset=utf-8').send(statementHtml(statement));
      } else {
        res.json(statement);
      }
    },
  });

  const verbs: Record<PaymentAction, string> = {
    approve: 'Approve a payment (not by its creator)',
    reject: 'Reject a payment awaiting approval',
    cancel: 'Cancel a payment before its payout',
    refund: 'Refund a completed payment',
  };
  for (const action of Object.keys(verbs) as PaymentAction[]) {
    routes.add({
      method: 'post',
      path: `/payments/:id/${action}`,
      summary: verbs[action],
      tag: 'Payments',
      roles: ['operator'],
      params: paymentIdParam,
      body: decisionBody,
      responses: { 200: { description: 'The payment after the decision', schema: paymentResponse } },
      handler: async ({ params, body, principal, res }) => {
        await deps.commands.decide(params.id, action, {
          actor: principal!.name,
          reason: body?.reason,
          ...(action === 'refund' && body?.reverseCommissions ? { reverseCommissions: true } : {}),
        });
        res.json(await current(params.id, principal));
      },
    });
  }
}

function present(view: PaymentView, workflowId: string, link: WorkflowLink) {
  const runId = view.events.find((e) => e.runId)?.runId ?? null;
  const { events, ...payment } = view;
  return {
    ...payment,
    workflowId,
    runId,
    temporalUiUrl: link(workflowId, runId),
    events: events.map(presentEvent),
  };
}
