import type { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { DomainError } from '../domain/domain-error';
import type { PartnerRepository } from '../ports/partner-repository.port';
import type { CommissionReads } from '../ports/commission.port';
import type { Principal } from '../ports/principal';
import { ProblemError } from '../shared/http/problem';
import { importCommissions, type ImportFormat, type ImportLimits } from './commission-import';
import type { AccrualItem } from '../application/commission/accrue-commissions';
import type { CommissionUseCases } from '../application/commission/commission-use-cases';
import { presentCommission, schemaRefusal } from './commission-view';
import { MESSAGE_MAX_LENGTH } from './common.schemas';
import {
  accrueCommissionsBody,
  balanceResponse,
  batchResponse,
  COMMISSION_IMPORT_MAX_REFUSALS_LISTED,
  COMMISSION_IMPORT_MAX_ROWS,
  COMMISSION_IMPORT_MEDIA_TYPES,
  commissionBatch,
  commissionInput,
  commissionPage,
  commissionResponse,
  externalRefParam,
  IMPORT_REFUSAL_REF_MAX_LENGTH,
  importReport,
  listCommissionsQuery,
  reverseCommissionBody,
  reverseResponse,
} from './commission.schemas';
import { decodeCursor, page } from './pagination';
import { assertPartnerScope } from './partner.routes';
import { partnerIdParam } from './partner.schemas';
import type { RouteTable } from './route-kit';
import { z } from './zod-openapi';

export interface CommissionRoutesDeps {
  /** Accrual, import and reversal: each a use case with its own transaction and audit entry. */
  useCases: CommissionUseCases;
  reads: CommissionReads;
  partners: Pick<PartnerRepository, 'findById'>;
  /** PAYOUT_MINIMUMS, shown next to each balance (undefined: a currency no run pays). */
  minimums: { minimumFor(currency: string): number | undefined };
  /** When the settlement schedule runs next (ISO-8601), or null when none is scheduled. */
  nextSettlementAt: () => Promise<string | null>;
  now?: () => Date;
  importLimits?: Partial<ImportLimits>;
}

const minimumText = (minimum: number | undefined): string | null =>
  minimum === undefined ? null : String(minimum);

const accrualResponse = z.union([commissionResponse, batchResponse]);

/** Body bytes discarded after an import stopped early, before the connection is dropped instead. */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024;

const commissionNotFound = (ref: string): ProblemError =>
  new ProblemError(404, 'Commission not found', `no commission with externalRef ${ref}`);

/** The body's format from its media type; only UTF-8 text is read. */
function importFormat(req: Request): ImportFormat {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
  const format = req.is('text/csv') ? 'csv' : req.is('application/x-ndjson') ? 'ndjson' : undefined;
  if (!format || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new ProblemError(
      415,
      'Unsupported media type',
      `send the body as ${COMMISSION_IMPORT_MEDIA_TYPES.join(' or ')} (UTF-8)`,
    );
  }
  return format;
}

/**
 * After an import stopped early the unread rest of the body is discarded (so the answer is not
 * lost to a reset connection), up to a bound; past it the connection is dropped.
 */
function discardRest(req: Readable, res: Response): void {
  if (req.readableEnded || req.destroyed) return;
  res.set('Connection', 'close');
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) req.destroy();
  });
  req.resume();
}

/** The commission ledger: accrual (single, batch, streamed import), reads, reversal, balances. */
export function commissionRoutes(routes: RouteTable, deps: CommissionRoutesDeps): void {
  const now = deps.now ?? (() => new Date());
  const limits: ImportLimits = {
    maxRows: COMMISSION_IMPORT_MAX_ROWS,
    batchSize: 500,
    maxRefusalsListed: COMMISSION_IMPORT_MAX_REFUSALS_LISTED,
    maxRecordChars: 64 * 1024,
    maxReasonChars: MESSAGE_MAX_LENGTH,
    maxRefChars: IMPORT_REFUSAL_REF_MAX_LENGTH,
    ...deps.importLimits,
  };
  const location = (ref: string) => `/commissions/${encodeURIComponent(ref)}`;

  const load = async (ref: string, principal: Principal | undefined) => {
    const view = await deps.reads.getByExternalRef(ref, now());
    // A partner key sees its own commissions only; others look like they do not exist.
    if (!view || (principal?.role === 'partner' && view.partnerId !== principal.partnerId)) {
      throw commissionNotFound(ref);
    }
    return view;
  };

  routes.add({
    method: 'post',
    path: '/commissions',
    summary: 'Accrue commissions',
    tag: 'Commissions',
    roles: ['operator'],
    handlerValidatedBody: accrueCommissionsBody,
    // A full batch of 1,000 is about 1 MB of JSON.
    bodyLimit: '2mb',
    responses: {
      201: {
        description:
          'Created: the commission (Location), or for an array `{ created, existing, items }` when at least one was new',
        schema: accrualResponse,
        headers: { Location: 'the commission’s URL (single commission only)' },
      },
      200: {
        description:
          'Already there with the same body (idempotent by externalRef); for an array, when every item was',
        schema: accrualResponse,
      },
      422: {
        description:
          'Refused (`code`): a different commission already holds the externalRef (COMMISSION.EXTERNAL_REF_CONFLICT), ' +
          'an unknown partner, or a business rule. For an array nothing is written and `errors` lists every ' +
          'failing item as `{ index, externalRef, code, message }` (COMMISSION.BATCH_REFUSED)',
      },
    },
    handler: async ({ req, audit, res }) => {
      const raw: unknown = req.body;
      if (!Array.isArray(raw)) {
        const request = commissionInput.parse(raw);
        const [result] = await deps.useCases.accrue([{ request }], {
          allOrNothing: true,
          audit: { stamp: audit, statusWhenCreated: 201, statusWhenUnchanged: 200 },
        });
        if (!result || result.outcome === 'refused') {
          throw new DomainError(result?.code ?? 'COMMISSION.REFUSED', result?.message ?? 'refused', {
            externalRef: request.externalRef,
          });
        }
        const created = result.outcome === 'created';
        res
          .status(created ? 201 : 200)
          .location(location(result.commission.externalRef))
          .json(presentCommission(result.commission, now()));
        return;
      }

      const items: AccrualItem[] = commissionBatch.parse(raw).map((value) => {
        const parsed = commissionInput.safeParse(value);
        return parsed.success ? { request: parsed.data } : schemaRefusal(parsed.error, value);
      });
      const outcomes = await deps.useCases.accrue(items, {
        allOrNothing: true,
        audit: { stamp: audit, statusWhenCreated: 201, statusWhenUnchanged: 200 },
      });
      const failures = outcomes.flatMap((o, index) =>
        o.outcome === 'refused'
          ? [
              {
                field: `[${index}]`,
                index,
                externalRef: o.externalRef ?? null,
                code: o.code,
                message: o.message,
              },
            ]
          : [],
      );
      if (failures.length > 0) {
        throw new ProblemError(
          422,
          'Batch refused',
          `${failures.length} of ${items.length} items were refused; nothing was written`,
          { code: 'COMMISSION.BATCH_REFUSED', errors: failures },
        );
      }
      const at = now();
      const accepted = outcomes.flatMap((o, index) =>
        o.outcome === 'refused'
          ? []
          : [{ index, outcome: o.outcome, commission: presentCommission(o.commission, at) }],
      );
      const created = accepted.filter((a) => a.outcome === 'created').length;
      res
        .status(created > 0 ? 201 : 200)
        .json({ created, existing: accepted.length - created, items: accepted });
    },
  });

  routes.add({
    method: 'post',
    path: '/commissions/import',
    summary: 'Import commissions from a CSV or NDJSON stream',
    tag: 'Commissions',
    roles: ['operator'],
    rawBody: {
      mediaTypes: COMMISSION_IMPORT_MEDIA_TYPES,
      // The header and maxRows records of at most maxRecordChars, each with its line break: past
      // them nothing is read as rows (blank lines are skipped and not counted).
      maxLength: (limits.maxRows + 1) * (limits.maxRecordChars + 2),
      description:
        `UTF-8, up to ${COMMISSION_IMPORT_MAX_ROWS} data rows, read as a stream. CSV (RFC 4180 quoting): a header ` +
        'row naming the columns externalRef,partnerId,currency,amountMinor,description,occurredAt (any order; ' +
        'description optional), then one commission per record. NDJSON: one JSON object per line, as for ' +
        'POST /commissions. Rows are numbered from 1 = the first data row: the CSV header and blank lines are ' +
        'not rows. Each row is checked on its own; good rows are kept when others are refused, in batches of ' +
        `${limits.batchSize} per transaction. Idempotent by externalRef (a re-import reports alreadyPresent).`,
      examples: {
        'text/csv':
          'externalRef,partnerId,currency,amountMinor,description,occurredAt\n' +
          'conv-1001,5f0c6e5e-8f59-4c61-9d43-0a5b2f1c9e11,USD,1250,"Spring sale, EU",2024-03-31T12:00:00Z\n',
        'application/x-ndjson':
          '{"externalRef":"conv-1001","partnerId":"5f0c6e5e-8f59-4c61-9d43-0a5b2f1c9e11","currency":"USD",' +
          '"amountMinor":1250,"occurredAt":"2024-03-31T12:00:00Z"}\n',
      },
    },
    responses: {
      200: {
        description:
          'The report: rows read, accepted, alreadyPresent, refused rows with their number and reason (the first ' +
          `${COMMISSION_IMPORT_MAX_REFUSALS_LISTED}; refusedCount is exact), and whether the input was truncated at ` +
          `${COMMISSION_IMPORT_MAX_ROWS} rows`,
        schema: importReport,
      },
      400: {
        description:
          'An invalid CSV header (nothing written), or a CSV the parser cannot read past (an unclosed quote, a ' +
          'record over 64 KiB): `row` says where, and `report` what was written before it',
      },
    },
    handler: async ({ req, audit, res }) => {
      const format = importFormat(req);
      let report;
      try {
        report = await importCommissions(deps.useCases.startImport(limits, audit), req, format, limits);
      } catch (e) {
        // The client went away mid-upload: nobody to answer; the batches committed so far stay.
        if (req.destroyed && !req.complete) return;
        throw e;
      } finally {
        discardRest(req, res);
      }
      res.json(report);
    },
  });

  routes.add({
    method: 'get',
    path: '/commissions',
    summary: 'List commissions',
    tag: 'Commissions',
    roles: ['operator', 'viewer', 'partner'],
    query: listCommissionsQuery,
    responses: { 200: { description: 'A page of commissions, newest first', schema: commissionPage } },
    handler: async ({ query, principal, res }) => {
      let partnerId = query.partnerId;
      if (principal?.role === 'partner') {
        if (partnerId && partnerId !== principal.partnerId) {
          throw new ProblemError(403, 'Forbidden', 'a partner key may only list its own commissions');
        }
        partnerId = principal.partnerId;
      }
      const { cursor, limit, ...filter } = query;
      const rows = await deps.reads.list({
        ...filter,
        partnerId,
        limit: limit + 1,
        after: decodeCursor(cursor),
        now: now(),
      });
      res.json(page(rows, limit));
    },
  });

  routes.add({
    method: 'get',
    path: '/commissions/:externalRef',
    summary: 'Read a commission',
    tag: 'Commissions',
    roles: ['operator', 'viewer', 'partner'],
    params: externalRefParam,
    responses: { 200: { description: 'The commission', schema: commissionResponse } },
    handler: async ({ params, principal, res }) => {
      res.json(await load(params.externalRef, principal));
    },
  });

  routes.add({
    method: 'post',
    path: '/commissions/:externalRef/reverse',
    summary: 'Reverse a commission',
    tag: 'Commissions',
    roles: ['operator'],
    params: externalRefParam,
    body: reverseCommissionBody,
    responses: {
      200: {
        description:
          'Reversed: before settlement it is REVERSED; while SETTLING the reversal waits for the outcome ' +
          '(reversalPending); once SETTLED a clawback (a negative entry) nets it off the next payout',
        schema: reverseResponse,
      },
      409: {
        description:
          'Already reversed (COMMISSION.ALREADY_REVERSED), or a clawback (COMMISSION.NOT_REVERSIBLE)',
      },
    },
    handler: async ({ params, body, principal, audit, res }) => {
      const at = now();
      const result = await deps.useCases.reverse({
        externalRef: params.externalRef,
        reason: body.reason,
        actor: principal!.name,
        audit,
      });
      if (!result) throw commissionNotFound(params.externalRef);
      res.json({
        commission: presentCommission(result.commission, at),
        clawback: result.clawback ? presentCommission(result.clawback, at) : null,
      });
    },
  });

  routes.add({
    method: 'get',
    path: '/partners/:id/balance',
    summary: 'Read a partner’s commission balance',
    tag: 'Commissions',
    roles: ['operator', 'viewer', 'partner'],
    params: partnerIdParam,
    responses: {
      200: {
        description:
          'Per currency: in hold, payable, clawbacks outstanding, net payable, settling and the payout minimum ' +
          '(decimal strings of minor units), and when the next settlement runs',
        schema: balanceResponse,
      },
    },
    handler: async ({ params, principal, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      const partner = await deps.partners.findById(params.id);
      if (!partner) throw new ProblemError(404, 'Partner not found', `no partner with id ${params.id}`);
      const at = now();
      const [balances, nextSettlementAt] = await Promise.all([
        deps.reads.balances(params.id, at),
        deps.nextSettlementAt(),
      ]);
      res.json({
        partnerId: partner.id,
        asOf: at.toISOString(),
        nextSettlementAt,
        payoutHold: partner.payoutHold,
        currencies: balances.map((b) => ({
          ...b,
          minimumMinor: minimumText(deps.minimums.minimumFor(b.currency)),
        })),
      });
    },
  });
}
