import { z } from 'zod';

export const paymentIdParam = z.object({ id: z.uuid({ message: 'must be a UUID' }) });

const commissionLine = z.object({
  reference: z.string().trim().min(1).max(100),
  amountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  description: z.string().max(500).default(''),
});

export const createPaymentBody = z.object({
  partnerId: z.string().trim().min(1).max(64),
  currency: z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO-4217 code such as COP or USD' }),
  lines: z.array(commissionLine).min(1).max(1000),
});

export type CreatePaymentBody = z.infer<typeof createPaymentBody>;
