import { createHash } from 'node:crypto';
import { z } from './zod-openapi';
import { isDomainError } from '../domain/domain-error';
import { Money } from '../domain/money.value-object';
import { submitPayment, type IntakeDeps, type PaymentRequest } from '../application/submit-payment';
import { ProblemError } from '../shared/http/problem';
import { keyReused, paymentReader, type PaymentRoutesDeps } from './payment.routes';
import { idempotencyKeyHeader, PAYMENT_LINES_MAX, paymentIdParam } from './payment.schemas';
import {
  LINE_DESCRIPTION_MAX_LENGTH,
  LINE_REFERENCE_MAX_LENGTH,
} from '../domain/commission-line.value-object';
import { PAYMENT_STATUSES } from '../domain/payment-status';
import { currencyCode, dateTime, ID_COLUMN_MAX_LENGTH, uuid } from './common.schemas';
import type { RouteTable } from './route-kit';

/**
 * The original system's contract (`/pagos`), kept for its clients: decimal amounts in, the same
 * payment workflow behind. Decimals are converted exactly; anything that cannot be represented in
 * the currency's minor units is a 400, as the original answered rule violations.
 */
const decimal = z.union([z.number(), z.string().max(40)]);
const moneda = currencyCode('debe ser un código ISO-4217 (p. ej. COP)');

const pagoBody = z
  .object({
    id_socio: uuid('debe ser un UUID'),
    monto_total: decimal,
    moneda,
    comisiones: z
      .array(
        z.object({
          id_referencia: z.string().trim().min(1).max(LINE_REFERENCE_MAX_LENGTH),
          monto: decimal,
          moneda: moneda.optional(),
          descripcion: z.string().max(LINE_DESCRIPTION_MAX_LENGTH).default(''),
        }),
      )
      .min(1, { message: 'un pago debe tener al menos una comisión' })
      .max(PAYMENT_LINES_MAX),
  })
  .openapi('Pago');

const pagoHeaders = z.object({
  'idempotency-key': idempotencyKeyHeader.openapi({
    description:
      'Optional (the original contract has none): without it the key is derived from the caller and the pago, ' +
      'so the same pago posted again answers with the payment it already created',
  }),
});

/**
 * The Idempotency-Key of a pago sent without one (the original clients never send it): derived
 * from the request as converted — partner, currency, declared total and every line's reference,
 * amount in minor units and description — so a client that retries after a lost answer gets the
 * payment it already created instead of a second payout. submitPayment mixes the caller (the key's
 * name) in, so two callers never share one. The cost: the same caller cannot make two identical
 * pagos; the original system's line references identify commissions, so an identical second pago
 * was a duplicate there too. A retry of a pago that failed needs a new reference (or a key).
 */
export function derivedPagoKey(request: PaymentRequest): string {
  const canonical = JSON.stringify([
    request.partnerId.toLowerCase(),
    request.currency,
    request.declaredTotalMinor ?? null,
    request.lines.map((l) => [l.reference, l.amountMinor, l.description]),
  ]);
  return `pago-sha256:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

const ESTADOS: Record<string, string> = {
  PENDING: 'PENDIENTE',
  AWAITING_APPROVAL: 'PENDIENTE_APROBACION',
  PROCESSING: 'EN_PROCESO',
  COMPLETED: 'PROCESADO',
  FAILED: 'FALLIDO',
  REJECTED: 'RECHAZADO',
  CANCELLED: 'CANCELADO',
  REFUNDED: 'REEMBOLSADO',
  RETURNED: 'DEVUELTO',
};

const pagoResponse = z
  .object({
    id: uuid(),
    id_socio: z.string().max(ID_COLUMN_MAX_LENGTH),
    monto_total: z.number(),
    moneda: currencyCode(),
    // The original's names; statuses it never had keep their own.
    estado: z.enum(PAYMENT_STATUSES.map((s) => ESTADOS[s] ?? s) as [string, ...string[]]),
    fecha_creacion: dateTime().nullable(),
    fecha_actualizacion: dateTime().nullable(),
    comisiones: z
      .array(
        z.object({
          id_referencia: z.string().max(LINE_REFERENCE_MAX_LENGTH),
          monto: z.number(),
          moneda: currencyCode(),
          descripcion: z.string().max(LINE_DESCRIPTION_MAX_LENGTH),
        }),
      )
      .max(PAYMENT_LINES_MAX),
  })
  .openapi('PagoView');

function toMinor(value: string | number, currency: string, field: string): number {
  try {
    return Money.fromDecimal(value, currency).amountMinor;
  } catch (e) {
    if (!isDomainError(e)) throw e;
    throw new ProblemError(400, 'Invalid request', `${field}: ${e.message}`, {
      code: e.code,
      errors: [{ field, message: e.message }],
    });
  }
}

export function pagoRoutes(routes: RouteTable, deps: IntakeDeps & PaymentRoutesDeps): void {
  const read = paymentReader(deps);

  routes.add({
    method: 'post',
    path: '/pagos',
    summary: 'Start a payment (original contract, decimal amounts)',
    tag: 'Pagos (original contract)',
    roles: ['operator'],
    audit: { action: 'payment.create', targetType: 'payment' },
    headers: pagoHeaders,
    body: pagoBody,
    responses: {
      202: {
        description: 'Accepted',
        schema: z.object({ id: uuid() }),
        headers: { Location: 'the pago’s URL' },
      },
    },
    handler: async ({ body, principal, req, res }) => {
      const lines = body.comisiones.map((c, i) => {
        if (c.moneda && c.moneda !== body.moneda) {
          throw new ProblemError(
            400,
            'Invalid request',
            `comisiones.${i}.moneda: debe coincidir con la moneda del pago`,
            {
              errors: [{ field: `comisiones.${i}.moneda`, message: 'debe coincidir con la moneda del pago' }],
            },
          );
        }
        return {
          reference: c.id_referencia,
          amountMinor: toMinor(c.monto, body.moneda, `comisiones.${i}.monto`),
          description: c.descripcion,
        };
      });
      const totalMinor = toMinor(body.monto_total, body.moneda, 'monto_total');
      const sum = lines.reduce((s, l) => s + l.amountMinor, 0);
      if (sum !== totalMinor) {
        throw new ProblemError(
          400,
          'Invalid request',
          'monto_total: no es igual a la suma de las comisiones',
          {
            errors: [{ field: 'monto_total', message: 'no es igual a la suma de las comisiones' }],
          },
        );
      }
      const request = {
        partnerId: body.id_socio,
        currency: body.moneda,
        lines,
        declaredTotalMinor: totalMinor,
      };
      const given = pagoHeaders.shape['idempotency-key'].parse(req.get('idempotency-key'));
      const submitted = await submitPayment(deps, request, {
        actor: principal!.name,
        idempotencyKey: given ?? derivedPagoKey(request),
      });
      if (submitted.kind === 'key-reused') throw keyReused(submitted.paymentId);
      const { paymentId } = submitted;
      // 202 either way: the original clients know no other success status.
      if (submitted.kind === 'replayed') res.set('Idempotent-Replay', 'true');
      res.status(202).location(`/pagos/${paymentId}`).json({ id: paymentId });
    },
  });

  routes.add({
    method: 'get',
    path: '/pagos/:id',
    summary: 'Read a payment in the original shape',
    tag: 'Pagos (original contract)',
    roles: ['operator', 'viewer', 'partner'],
    params: paymentIdParam,
    responses: { 200: { description: 'The pago', schema: pagoResponse } },
    handler: async ({ params, principal, res }) => {
      const view = await read(params.id, principal);
      const decimalOf = (minor: number) => Number(Money.of(minor, view.currency).toDecimalString());
      res.json({
        id: view.id,
        id_socio: view.partnerId,
        monto_total: decimalOf(view.totalMinor),
        moneda: view.currency,
        estado: ESTADOS[view.status] ?? view.status,
        fecha_creacion: 'createdAt' in view ? view.createdAt : null,
        fecha_actualizacion: 'updatedAt' in view ? view.updatedAt : null,
        comisiones: view.lines.map((l) => ({
          id_referencia: l.reference,
          monto: decimalOf(l.amountMinor),
          moneda: view.currency,
          descripcion: l.description,
        })),
      });
    },
  });
}
