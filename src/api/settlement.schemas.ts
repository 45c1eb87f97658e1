import { z } from './zod-openapi';
import { SKIP_REASONS } from '../domain/settlement-plan';

const currency = z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO-4217 code such as COP or USD' });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' });

export const settlementIdParam = z.object({
  id: z.string().regex(/^settlement:\d{4}-\d{2}-\d{2}(:[A-Z]{3})?$/, {
    message: 'must be a settlement id such as settlement:2026-10-31',
  }),
});

export const startSettlementBody = z
  .object({
    periodEnd: day
      .optional()
      .openapi({ description: 'Last day of the period (UTC, inclusive). Default: yesterday.' }),
    currency: currency
      .optional()
      .openapi({ description: 'Settle one currency only. Default: every currency.' }),
    dryRun: z
      .boolean()
      .default(false)
      .openapi({ description: 'Answer what would be paid, and write nothing.' }),
  })
  .default({ dryRun: false })
  .openapi('StartSettlement');

export const listSettlementsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const settlementItemsQuery = z.object({
  kind: z.enum(['payouts', 'skipped', 'all']).default('all'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** The seq of the last item of the previous page. */
  after: z.coerce.number().int().min(0).default(0),
});

const amount = z.object({ count: z.number().int(), amountMinor: z.string() });

export const settlementItemResponse = z
  .object({
    seq: z.number().int(),
    partnerId: z.string(),
    currency: z.string(),
    paymentId: z.string().nullable(),
    paymentStatus: z.string().nullable(),
    netMinor: z.string(),
    commissionCount: z.number().int(),
    clawbackCount: z.number().int(),
    skipReason: z.enum(SKIP_REASONS).nullable(),
    skipDetail: z.string().nullable(),
  })
  .openapi('SettlementItem');

export const settlementResponse = z
  .object({
    id: z.string(),
    periodEnd: z.string(),
    currency: z.string().nullable(),
    status: z.enum(['RUNNING', 'COMPLETED']),
    trigger: z.enum(['manual', 'schedule']),
    startedBy: z.string(),
    itemCount: z.number().int(),
    skippedCount: z.number().int(),
    finishedCount: z.number().int(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
    totals: z.record(
      z.string(),
      z.object({ planned: amount, skipped: amount, byStatus: z.record(z.string(), amount) }),
    ),
    live: z
      .object({
        phase: z.string(),
        started: z.number().int(),
        finished: z.number().int(),
        awaitingApproval: z.number().int(),
      })
      .nullable(),
    skipped: z.array(settlementItemResponse),
    items: z.array(settlementItemResponse),
    links: z.record(z.string(), z.string()),
  })
  .openapi('Settlement');
