import { z } from './zod-openapi';

/** The most routes one answer lists (PAYOUT_ROUTES is a short, hand-written list). */
export const PAYOUT_ROUTES_MAX = 500;

const payoutRouteProvider = z.object({
  name: z.enum(['sandbox-bank', 'iso20022-file', 'stripe']),
  maxAmountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().openapi({
    format: 'int64',
    description:
      'larger payouts skip this provider (integer minor units of the route’s currency); null: no limit',
  }),
});

export const payoutRoute = z
  .object({
    method: z.enum(['BANK_TRANSFER', 'STRIPE_CONNECT', '*']),
    currency: z
      .string()
      .regex(/^([A-Z]{3}|\*)$/)
      .openapi({ minLength: 1, maxLength: 3, example: 'EUR', description: 'ISO 4217, or * for any' }),
    country: z
      .string()
      .regex(/^([A-Z]{2}|\*)$/)
      .openapi({ minLength: 1, maxLength: 2, example: 'ES', description: 'ISO 3166 alpha-2, or * for any' }),
    providers: z
      .array(payoutRouteProvider)
      .min(1)
      .max(10)
      .openapi({ description: 'tried in order; the next only after a definite refusal' }),
  })
  .openapi('PayoutRoute');

export const payoutRouteList = z
  .object({
    items: z
      .array(payoutRoute)
      .max(PAYOUT_ROUTES_MAX)
      .openapi({ description: 'in configuration order: the first that matches a payout is used' }),
  })
  .openapi('PayoutRouteList');
