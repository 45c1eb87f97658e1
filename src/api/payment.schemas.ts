import { z } from './zod-openapi';
import { PAYMENT_STATUSES } from '../domain/payment-status';
import { pageQuery } from './pagination';

export const paymentIdParam = z.object({ id: z.uuid({ message: 'must be a UUID' }) });

const commissionLine = z.object({
  reference: z.string().trim().min(1).max(100),
  amountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  description: z.string().max(500).default(''),
});

const currency = z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO-4217 code such as COP or USD' });

export const createPaymentBody = z
  .object({
    partnerId: z.uuid({ message: 'must be the UUID of a registered partner' }),
    currency,
    lines: z.array(commissionLine).min(1).max(1000),
  })
  .openapi('CreatePayment');
export type CreatePaymentBody = z.infer<typeof createPaymentBody>;

export const decisionBody = z
  .object({
    reason: z.string().trim().min(1).max(500).optional(),
    reverseCommissions: z.boolean().optional().openapi({
      description:
        'Refund only: the settled commissions behind the payment must not be paid again (REVERSED). By default they return to PAYABLE for the next settlement run.',
    }),
  })
  .optional()
  .openapi('Decision');

export const listPaymentsQuery = z.object({
  partnerId: z.uuid().optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  currency: currency.optional(),
  createdFrom: z.iso.datetime({ offset: true }).optional(),
  createdTo: z.iso.datetime({ offset: true }).optional(),
  ...pageQuery,
});

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, { message: 'printable ASCII without spaces' })
  .optional();

export const paymentHeaders = z.object({
  'idempotency-key': idempotencyKeyHeader.openapi({
    description:
      'Required: without it 400 (unless the deployment sets IDEMPOTENCY_KEY_REQUIRED=false). ' +
      'Same key and body → the same payment (200, Idempotent-Replay: true); same key, other body → 422',
  }),
});

const lineResponse = z.object({
  reference: z.string(),
  amountMinor: z.number().int(),
  description: z.string(),
});
const eventResponse = z.object({
  position: z.number().int(),
  id: z.string(),
  type: z.string(),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const paymentResponse = z
  .object({
    id: z.uuid(),
    partnerId: z.string(),
    currency: z.string(),
    totalMinor: z.number().int().openapi({ description: 'integer minor units of `currency`' }),
    status: z.enum(PAYMENT_STATUSES),
    lines: z.array(lineResponse),
    createdBy: z.string(),
    approvedBy: z.string().nullable(),
    decidedBy: z.string().nullable().optional(),
    reason: z.string().nullable(),
    payoutReference: z.string().nullable().optional(),
    refundReference: z.string().nullable().optional(),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    version: z.number().int().optional(),
    workflowId: z.string(),
    runId: z.string().nullable(),
    temporalUiUrl: z.string(),
    events: z.array(eventResponse).optional(),
  })
  .openapi('Payment');

export const acceptedPayment = z
  .object({
    id: z.uuid(),
    status: z.literal('PENDING'),
    workflowId: z.string(),
    runId: z.string(),
    temporalUiUrl: z.string(),
  })
  .openapi('AcceptedPayment');

export const paymentPage = z
  .object({ items: z.array(paymentResponse), nextCursor: z.string().nullable() })
  .openapi('PaymentPage');

export const statementQuery = z.object({
  format: z.enum(['json', 'csv', 'html']).default('json'),
});
