import { recoverPayment, type RecoverPaymentDeps } from '../application/recover-payment';
import { paymentIdParam } from './payment.schemas';
import { ORPHANS_MAX, orphanList, recoveredPayment } from './payment-orphan.schemas';
import type { RouteTable } from './route-kit';

/**
 * Orphaned payments (their workflow ended, they did not): the janitor's list, and the operator's
 * repair. Declared before `/payments/:id`, whose parameter would otherwise take `orphans`.
 */
export function paymentOrphanRoutes(routes: RouteTable, deps: RecoverPaymentDeps): void {
  routes.add({
    method: 'get',
    path: '/payments/orphans',
    summary: 'Payments whose workflow has ended while they have not (found by the janitor), oldest first',
    tag: 'Payments',
    roles: ['operator', 'viewer'],
    responses: { 200: { description: 'The open orphans', schema: orphanList } },
    handler: async ({ res }) => {
      res.json({ items: await deps.orphans.open(ORPHANS_MAX) });
    },
  });

  routes.add({
    method: 'post',
    path: '/payments/:id/recover',
    summary: 'Restart an orphaned payment’s workflow from its recorded state (never pays twice)',
    tag: 'Payments',
    roles: ['operator'],
    params: paymentIdParam,
    responses: {
      202: {
        description: 'A new run of the payment’s workflow started and resumes from the recorded state',
        schema: recoveredPayment,
        headers: { Location: 'the payment’s URL' },
      },
    },
    handler: async ({ params, principal, res }) => {
      const recovered = await recoverPayment(deps, { paymentId: params.id, actor: principal!.name });
      res.location(`/payments/${params.id}`).status(202).json(recovered);
    },
  });
}
