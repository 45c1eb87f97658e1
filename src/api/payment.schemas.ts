import { z } from 'zod';
import { PAYMENT_STATUSES } from '../domain/payment.aggregate';
import { pageQuery } from './pagination';

export const paymentIdParam = z.object({ id: z.uuid({ message: 'must be a UUID' }) });

const commissionLine = z.object({
  reference: z.string().trim().min(1).max(100),
  amountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  description: z.string().max(500).default(''),
});

const currency = z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO-4217 code such as COP or USD' });

export const createPaymentBody = z.object({
  partnerId: z.uuid({ message: 'must be the UUID of a registered partner' }),
  currency,
  lines: z.array(commissionLine).min(1).max(1000),
});
export type CreatePaymentBody = z.infer<typeof createPaymentBody>;

export const decisionBody = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .optional()
  .transform((b) => b ?? {});

export const listPaymentsQuery = z.object({
  partnerId: z.uuid().optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  currency: currency.optional(),
  createdFrom: z.iso.datetime({ offset: true }).optional(),
  createdTo: z.iso.datetime({ offset: true }).optional(),
  ...pageQuery,
});

/** Who is acting. Until API keys arrive, the `X-Actor` header names them; four-eyes compares it. */
export const actorHeader = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\w.@:+-]+$/, { message: 'letters, digits and . _ @ : + - only' })
  .optional()
  .transform((a) => a ?? 'anonymous');

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, { message: 'printable ASCII without spaces' })
  .optional();
