import type { Response } from 'express';
import { z } from './zod-openapi';
import type { PayoutMinimums } from '../domain/payout-minimums.value-object';
import type { SettlementPolicy } from '../domain/settlement-plan';
import { DEFAULT_TIME_ZONE } from '../domain/settlement-period';
import { settlementReportHeader, settlementReportLine } from '../domain/settlement-report';
import { dryRunSettlement } from '../application/settlement/dry-run-settlement';
import type { StartedSettlement } from '../application/settlement/start-settlement';
import type { ReleasedSettlement } from '../application/settlement/release-settlement';
import type { RunDecisionAction } from '../domain/settlement-approval';
import type { AuditStamp } from '../ports/audit.port';
import type { SettlementRequest } from '../application/settlement/settlement-request';
import type {
  RunDecisionView,
  SettlementCommands,
  SettlementReads,
  SettlementScheduleInfo,
} from '../ports/settlement.port';
import { ProblemError } from '../shared/http/problem';
import { decodeCursor, page } from './pagination';
import type { RouteTable } from './route-kit';
import {
  APPROVAL_PREVIEW_LARGEST,
  decideSettlementBody,
  settlementDecision,
  DRY_RUN_PREVIEW_LIMIT,
  releasedSettlement,
  releaseSettlementBody,
  dryRunResult,
  listSettlementsQuery,
  settlementList,
  SETTLEMENT_EMBEDDED_ITEMS,
  settlementIdParam,
  settlementItemsPage,
  settlementItemsQuery,
  settlementResponse,
  startedSettlement,
  startSettlementBody,
} from './settlement.schemas';

export interface SettlementRoutesDeps {
  /** The start use case, bound to its ports in the composition root. */
  startSettlement: (req: SettlementRequest & { actor: string }) => Promise<StartedSettlement>;
  /** The release use case, bound likewise. */
  releaseSettlement: (input: {
    settlementId: string;
    actor: string;
    reason: string;
    audit?: AuditStamp;
  }) => Promise<ReleasedSettlement>;
  /** The approval use case (a second operator approves or rejects a waiting run). */
  decideSettlement: (input: {
    settlementId: string;
    action: RunDecisionAction;
    actor: string;
    reason: string | null;
  }) => Promise<RunDecisionView>;
  commands: SettlementCommands;
  reads: SettlementReads;
  schedule: SettlementScheduleInfo;
  minimums: PayoutMinimums;
  /** One number, or per currency (PAYOUT_MAXIMUMS). */
  maxPaymentMinor: SettlementPolicy['maxPaymentMinor'];
  temporalUiUrl: string;
  namespace: string;
  /** SETTLEMENT_TIME_ZONE: where a period ends; UTC by default. */
  timeZone?: string;
  now?: () => Date;
}

const notFound = (id: string): ProblemError =>
  new ProblemError(404, 'Settlement not found', `no settlement run with id ${id}`);

/** Settlement runs: start one by hand (or dry-run it), follow it, and export it for accounting. */
export function settlementRoutes(routes: RouteTable, deps: SettlementRoutesDeps): void {
  const now = deps.now ?? (() => new Date());
  const workflowLink = (id: string): string =>
    `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(id)}`;

  routes.add({
    method: 'post',
    path: '/settlements',
    summary: 'Start a settlement run (or dry-run one)',
    tag: 'Settlements',
    roles: ['operator'],
    audit: { action: 'settlement.start' },
    body: startSettlementBody,
    responses: {
      200: {
        description:
          'Dry run: what would be paid (nothing is written); or the run this request started before',
        schema: z.union([dryRunResult, startedSettlement]),
        headers: { Location: 'the run’s URL, when it is a run' },
      },
      202: {
        description: 'Started; follow it at Location',
        schema: startedSettlement,
        headers: { Location: 'the run’s URL' },
      },
    },
    handler: async ({ body, principal, res }) => {
      if (body.dryRun) {
        const { periodEnd, currency, plan, skippedPartners } = await dryRunSettlement(
          {
            reads: deps.reads,
            minimums: deps.minimums,
            maxPaymentMinor: deps.maxPaymentMinor,
            clock: now,
            timeZone: deps.timeZone,
          },
          body,
        );
        res.json({
          dryRun: true,
          periodEnd,
          currency,
          payoutCount: plan.payouts.length,
          skippedCount: plan.skipped.length,
          totals: plan.totals,
          payouts: plan.payouts.slice(0, DRY_RUN_PREVIEW_LIMIT),
          skipped: plan.skipped.slice(0, DRY_RUN_PREVIEW_LIMIT),
          truncated:
            plan.payouts.length > DRY_RUN_PREVIEW_LIMIT || plan.skipped.length > DRY_RUN_PREVIEW_LIMIT,
          skippedPartners,
        });
        return;
      }
      const { settlementId, periodEnd, currency, created } = await deps.startSettlement({
        ...body,
        actor: principal!.name,
      });
      // The same request again (an answer lost on the way) gets the run it started, not a refusal.
      res
        .status(created ? 202 : 200)
        .location(`/settlements/${settlementId}`)
        .json({
          settlementId,
          periodEnd,
          currency,
          created,
          links: { self: `/settlements/${settlementId}`, workflow: workflowLink(settlementId) },
        });
    },
  });

  routes.add({
    method: 'get',
    path: '/settlements',
    summary: 'List settlement runs and the schedule',
    tag: 'Settlements',
    roles: ['operator', 'viewer'],
    query: listSettlementsQuery,
    responses: {
      200: { description: 'Runs, newest first, and the Schedule that starts them', schema: settlementList },
    },
    handler: async ({ query, res }) => {
      const [rows, schedule] = await Promise.all([
        deps.reads.list({ limit: query.limit + 1, after: decodeCursor(query.cursor, 'text') }),
        deps.schedule.describe(),
      ]);
      const listed = page(rows, query.limit);
      // Only runs recorded as open cost a look at their workflow (few: one per period at most).
      const items = await Promise.all(
        listed.items.map(async (run) => ({ ...run, stopped: await isStopped(run) })),
      );
      res.json({
        ...listed,
        items,
        schedule: schedule ?? null,
        timeZone: deps.timeZone ?? DEFAULT_TIME_ZONE,
      });
    },
  });

  /** Recorded as running (or waiting) while its workflow is not: failed, terminated or timed out. */
  const isStopped = async (run: { id: string; status: string }): Promise<boolean> =>
    (run.status === 'RUNNING' || run.status === 'AWAITING_APPROVAL') &&
    !(await deps.commands.isRunning(run.id));

  const load = async (id: string) => {
    const run = await deps.reads.get(id);
    if (!run) throw notFound(id);
    return run;
  };

  routes.add({
    method: 'get',
    path: '/settlements/:id',
    summary: 'Read a settlement run: progress, totals, skipped partners, payouts',
    tag: 'Settlements',
    roles: ['operator', 'viewer'],
    params: settlementIdParam,
    responses: { 200: { description: 'The run', schema: settlementResponse } },
    handler: async ({ params, res }) => {
      const run = await load(params.id);
      const stopped = await isStopped(run);
      const [live, stranded, preview, skipped, items, reconciliation] = await Promise.all([
        run.status === 'RUNNING' && !stopped
          ? deps.commands.liveProgress(run.id)
          : Promise.resolve(undefined),
        stopped ? deps.reads.unstartedCommissions(run.id) : Promise.resolve(0),
        run.approval ? deps.reads.preview(run.id, APPROVAL_PREVIEW_LARGEST) : Promise.resolve(null),
        deps.reads.items(run.id, { afterSeq: 0, limit: SETTLEMENT_EMBEDDED_ITEMS, skipped: true }),
        deps.reads.items(run.id, { afterSeq: 0, limit: SETTLEMENT_EMBEDDED_ITEMS, skipped: false }),
        deps.reads.reconciliation(run.id),
      ]);
      res.json({
        ...run,
        live: live
          ? {
              phase: live.phase,
              started: live.started,
              finished: live.finished,
              awaitingApproval: live.awaitingApproval,
            }
          : null,
        stopped,
        strandedCommissions: stranded,
        preview,
        skipped,
        items,
        reconciliation,
        links: {
          items: `/settlements/${run.id}/items`,
          report: `/settlements/${run.id}/report.csv`,
          workflow: workflowLink(run.id),
        },
      });
    },
  });

  routes.add({
    method: 'post',
    path: '/settlements/:id/release',
    summary: 'Release a stopped run: its unstarted payouts’ commissions become payable again',
    tag: 'Settlements',
    roles: ['operator'],
    audit: { action: 'settlement.release', targetType: 'settlement' },
    params: settlementIdParam,
    body: releaseSettlementBody,
    responses: { 200: { description: 'Released (or released before)', schema: releasedSettlement } },
    handler: async ({ params, body, principal, audit, res }) => {
      res.json(
        await deps.releaseSettlement({
          settlementId: params.id,
          actor: principal!.name,
          reason: body.reason,
          audit,
        }),
      );
    },
  });

  for (const action of ['approve', 'reject'] as const) {
    routes.add({
      method: 'post',
      path: `/settlements/:id/${action}`,
      summary:
        action === 'approve'
          ? 'Approve a run awaiting approval: its payouts start (and do not ask again)'
          : 'Reject a run awaiting approval: nothing is paid, its commissions become payable again',
      tag: 'Settlements',
      roles: ['operator'],
      audit: { action: `settlement.${action}`, targetType: 'settlement' },
      params: settlementIdParam,
      body: decideSettlementBody,
      responses: {
        200: {
          description:
            'Decided. Refused with 409 when the run is not awaiting approval (SETTLEMENT.NOT_AWAITING_APPROVAL) or the decider started it (SETTLEMENT.FOUR_EYES_VIOLATION)',
          schema: settlementDecision,
        },
      },
      handler: async ({ params, body, principal, res }) => {
        res.json(
          await deps.decideSettlement({
            settlementId: params.id,
            action,
            actor: principal!.name,
            reason: body.reason ?? null,
          }),
        );
      },
    });
  }

  routes.add({
    method: 'get',
    path: '/settlements/:id/items',
    summary: 'Page through a run’s payouts and skipped balances',
    tag: 'Settlements',
    roles: ['operator', 'viewer'],
    params: settlementIdParam,
    query: settlementItemsQuery,
    responses: {
      200: {
        description: 'Items in seq order; pass `after` = nextAfter for the next page',
        schema: settlementItemsPage,
      },
    },
    handler: async ({ params, query, res }) => {
      await load(params.id);
      const rows = await deps.reads.items(params.id, {
        afterSeq: query.after,
        limit: query.limit + 1,
        skipped: query.kind === 'all' ? undefined : query.kind === 'skipped',
      });
      const items = rows.slice(0, query.limit);
      res.json({ items, nextAfter: rows.length > query.limit ? items.at(-1)!.seq : null });
    },
  });

  routes.add({
    method: 'get',
    path: '/settlements/:id/report.csv',
    summary: 'A run for accounting, one CSV line per partner and currency',
    tag: 'Settlements',
    roles: ['operator', 'viewer'],
    params: settlementIdParam,
    responses: { 200: { description: 'text/csv, streamed' } },
    handler: async ({ params, res }) => {
      const run = await load(params.id);
      await streamReport(res, run.id, deps.reads);
    },
  });
}

async function streamReport(res: Response, settlementId: string, reads: SettlementReads): Promise<void> {
  res.status(200).type('text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${settlementId.replace(/:/g, '_')}.csv"`);
  res.write(`${settlementReportHeader()}\r\n`);
  for (let after = 0; ;) {
    const items = await reads.items(settlementId, { afterSeq: after, limit: 1_000 });
    if (items.length === 0) break;
    const lines = items.map((i) => settlementReportLine(settlementId, i));
    // Respect backpressure: a slow client must not make the whole report sit in memory.
    if (!res.write(`${lines.join('\r\n')}\r\n`)) await new Promise((r) => res.once('drain', r));
    after = items.at(-1)!.seq;
  }
  res.end();
}
