import { z } from './zod-openapi';
import { PAYMENT_STATUSES } from '../domain/payment-status';
import { SETTLEMENT_SKIP_REASONS } from '../domain/settlement-plan';
import {
  actor,
  currencyCode,
  dateTime,
  day,
  INT32_MAX,
  int32,
  minorString,
  minorUnits,
  nextCursor,
  url,
  uuid,
} from './common.schemas';
import { pageQuery } from './pagination';

const currency = currencyCode();

/** Items one page of `GET /settlements/:id/items` holds at most. */
export const SETTLEMENT_ITEMS_PAGE_MAX = 1000;
/** Payouts and skipped balances `GET /settlements/:id` embeds, each. */
export const SETTLEMENT_EMBEDDED_ITEMS = 100;
/** The settlement plan's skip details are short sentences with two amounts. */
const SKIP_DETAIL_MAX_LENGTH = 500;

/** `settlement:<period end>` or `settlement:<period end>:<currency>`: at most 25 characters. */
const SETTLEMENT_ID_MAX_LENGTH = 25;
/** A payout's payment status, or NOT_RECORDED before its payment exists. */
const payoutStatus = () => z.enum([...PAYMENT_STATUSES, 'NOT_RECORDED']);

const settlementId = () =>
  z
    .string()
    .regex(/^settlement:\d{4}-\d{2}-\d{2}(:[A-Z]{3})?$/, {
      message: 'must be a settlement id such as settlement:2026-10-31',
    })
    .openapi({ maxLength: SETTLEMENT_ID_MAX_LENGTH });

export const settlementIdParam = z.object({ id: settlementId() });

export const startSettlementBody = z
  .object({
    periodEnd: day().optional().openapi({
      description:
        'Last day of the period (inclusive), a calendar day in SETTLEMENT_TIME_ZONE (GET /settlements says which). Default: yesterday there.',
    }),
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

export const listSettlementsQuery = z.object({ ...pageQuery });

export const settlementItemsQuery = z.object({
  kind: z.enum(['payouts', 'skipped', 'all']).default('all'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(SETTLEMENT_ITEMS_PAGE_MAX)
    .default(100)
    .openapi({ format: 'int32' }),
  /** The seq of the last item of the previous page. */
  after: z.coerce.number().int().min(0).max(INT32_MAX).default(0).openapi({ format: 'int32' }),
});

const amount = z.object({ count: int32(), amountMinor: minorString() }).openapi('MinorAmount');

export const settlementItemResponse = z
  .object({
    seq: int32(1),
    partnerId: uuid(),
    currency,
    paymentId: uuid().nullable(),
    paymentStatus: payoutStatus().nullable(),
    netMinor: minorString(),
    commissionCount: int32(),
    clawbackCount: int32(),
    skipReason: z.enum(SETTLEMENT_SKIP_REASONS).nullable(),
    skipDetail: z.string().max(SKIP_DETAIL_MAX_LENGTH).nullable(),
  })
  .openapi('SettlementItem');

/** Payouts per currency a run's approval preview names, largest first. */
export const APPROVAL_PREVIEW_LARGEST = 20;

const runApproval = z
  .object({
    status: z.enum(['AWAITING', 'APPROVED', 'REJECTED', 'EXPIRED']),
    reasons: z.array(z.string().max(300)).max(200).openapi({ description: 'why the run waits for approval' }),
    deadline: dateTime().openapi({ description: 'undecided by then, the run is released' }),
    decidedBy: actor().nullable(),
    decidedAt: dateTime().nullable(),
    reason: z.string().max(500).nullable(),
  })
  .openapi('SettlementApproval');

/** A run as `GET /settlements` lists it. */
export const settlementRunSummary = z
  .object({
    id: settlementId(),
    periodEnd: day(),
    currency: currency.nullable(),
    status: z.enum(['AWAITING_APPROVAL', 'RUNNING', 'COMPLETED', 'RELEASED', 'REJECTED']),
    trigger: z.enum(['manual', 'schedule']),
    startedBy: actor(),
    itemCount: int32(),
    skippedCount: int32(),
    createdAt: dateTime(),
    updatedAt: dateTime(),
    completedAt: dateTime().nullable(),
    approval: runApproval
      .nullable()
      .openapi({ description: 'null: the run did not need a second operator (SETTLEMENT_APPROVAL_*)' }),
    stopped: z.boolean().openapi({
      description:
        'recorded as running or waiting, but its workflow failed, was terminated or timed out: resume it (POST /settlements again) or release it',
    }),
  })
  .openapi('SettlementRun');

/** What an approver sees before deciding: per currency, what the run pays and whom it leaves out. */
export const settlementPreview = z
  .record(
    currency,
    z.object({
      partners: int32().openapi({ description: 'payouts planned' }),
      totalMinor: minorString(),
      largest: z
        .array(z.object({ partnerId: uuid(), paymentId: uuid(), netMinor: minorString() }))
        .max(APPROVAL_PREVIEW_LARGEST),
      skipped: z
        .partialRecord(z.enum(SETTLEMENT_SKIP_REASONS), int32())
        .openapi({ description: 'balances left out, by reason' }),
    }),
  )
  .openapi('SettlementPreview');

export const settlementResponse = settlementRunSummary
  .extend({
    finishedCount: int32(),
    totals: z
      .record(
        currency,
        z.object({ planned: amount, skipped: amount, byStatus: z.partialRecord(payoutStatus(), amount) }),
      )
      .openapi({ description: 'per currency' }),
    live: z
      .object({
        phase: z.enum(['PLANNING', 'AWAITING_APPROVAL', 'PAYING', 'COMPLETED', 'REJECTED', 'RELEASED']),
        started: int32(),
        finished: int32(),
        awaitingApproval: int32(),
      })
      .nullable(),
    strandedCommissions: int32().openapi({
      description: 'a stopped run’s commissions SETTLING for payouts never started (0 while it runs)',
    }),
    preview: settlementPreview
      .nullable()
      .openapi({ description: 'for a run that needs approval: what it pays, per currency' }),
    skipped: z.array(settlementItemResponse).max(SETTLEMENT_EMBEDDED_ITEMS),
    items: z.array(settlementItemResponse).max(SETTLEMENT_EMBEDDED_ITEMS),
    reconciliation: z.object({ booked: int32(), returned: int32(), awaitingStatement: int32() }).openapi({
      description:
        'its payouts paid by bank file, by what the bank’s statements said (other rails have no statement)',
    }),
    links: z.object({ items: z.string().max(100), report: z.string().max(100), workflow: url() }),
  })
  .openapi('Settlement');

export const settlementItemsPage = z.object({
  items: z.array(settlementItemResponse).max(SETTLEMENT_ITEMS_PAGE_MAX),
  nextAfter: int32(1).nullable(),
});

/** The Schedule that starts runs; Temporal keeps its last 10 actions. */
const settlementSchedule = z
  .object({
    scheduleId: z.string().max(200),
    spec: z.string().max(200).openapi({ description: 'when it runs, as configured (SETTLEMENT_SCHEDULE)' }),
    paused: z.boolean(),
    nextRunAt: dateTime().nullable(),
    recentRuns: z.array(z.object({ scheduledAt: dateTime(), workflowId: settlementId() })).max(10),
  })
  .openapi('SettlementSchedule');

export const settlementList = z
  .object({
    items: z.array(settlementRunSummary).max(200),
    nextCursor: nextCursor(),
    schedule: settlementSchedule.nullable().openapi({ description: 'null when the schedule is off' }),
    timeZone: z.string().max(64).openapi({
      description:
        'SETTLEMENT_TIME_ZONE (IANA): a period is a calendar day there; the latest that may be settled is yesterday there',
      example: 'America/Bogota',
    }),
  })
  .openapi('SettlementList');

const settlementLinks = z.object({ self: z.string().max(100), workflow: url() });

export const startedSettlement = z
  .object({
    settlementId: settlementId(),
    periodEnd: day(),
    currency: currency.nullable(),
    /** False: the run existed already (the same request again, say after a lost answer). */
    created: z.boolean(),
    links: settlementLinks,
  })
  .openapi('StartedSettlement');

/** Payouts and skipped balances a dry run lists, each; its totals cover all of them. */
export const DRY_RUN_PREVIEW_LIMIT = 1000;

export const dryRunResult = z
  .object({
    dryRun: z.literal(true),
    periodEnd: day(),
    currency: currency.nullable(),
    payoutCount: int32(),
    skippedCount: int32(),
    totals: z
      .record(currency, z.object({ payoutCount: int32(), payoutMinor: minorString(), skippedCount: int32() }))
      .openapi({ description: 'per currency' }),
    payouts: z
      .array(
        z.object({
          partnerId: uuid(),
          currency,
          netMinor: minorUnits().openapi({ description: 'positive, within the payout minimum and maximum' }),
          commissionCount: int32(),
          clawbackCount: int32(),
        }),
      )
      .max(DRY_RUN_PREVIEW_LIMIT),
    skipped: z
      .array(
        z.object({
          partnerId: uuid(),
          currency,
          netMinor: minorString(),
          reason: z.enum(SETTLEMENT_SKIP_REASONS),
          detail: z.string().max(SKIP_DETAIL_MAX_LENGTH),
          commissionCount: int32(),
          clawbackCount: int32(),
        }),
      )
      .max(DRY_RUN_PREVIEW_LIMIT),
    truncated: z.boolean().openapi({ description: `more than ${DRY_RUN_PREVIEW_LIMIT} payouts or skips` }),
    skippedPartners: z
      .partialRecord(z.enum(SETTLEMENT_SKIP_REASONS), int32())
      .openapi({ description: 'partners left out, by reason, over every skip (not only those listed)' }),
  })
  .openapi('SettlementDryRun');

export const releaseSettlementBody = z
  .strictObject({
    reason: z.string().trim().min(1).max(500).openapi({ description: 'why the run is given up (audited)' }),
  })
  .openapi('ReleaseSettlementRequest');

export const releasedSettlement = z
  .object({
    settlementId: settlementId(),
    status: z.literal('RELEASED'),
    releasedPayouts: int32().openapi({ description: 'payouts given back now (0 if released before)' }),
    releasedCommissions: int32().openapi({ description: 'their commissions, PAYABLE again' }),
  })
  .openapi('ReleasedSettlement');

export const decideSettlementBody = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .openapi({ description: 'why (required to reject; audited)' }),
  })
  .default({})
  .openapi('SettlementDecisionRequest');

export const settlementDecision = z
  .object({
    settlementId: settlementId(),
    approval: z.enum(['AWAITING', 'APPROVED', 'REJECTED', 'EXPIRED']),
    status: z.enum(['AWAITING_APPROVAL', 'RUNNING', 'COMPLETED', 'RELEASED', 'REJECTED']),
    decidedBy: actor().nullable(),
    releasedPayouts: int32().openapi({ description: 'payouts given back (a rejected run gives back all)' }),
  })
  .openapi('SettlementDecision');
