import type { Readable } from 'node:stream';
import { csvRow } from '../domain/csv.util';
import { isDomainError } from '../domain/domain-error';
import type { ExceptionResolution } from '../domain/reconciliation-exception.aggregate';
import type { AuditStamp } from '../ports/audit.port';
import type { ReconciliationReads } from '../ports/reconciliation.port';
import { ProblemError } from '../shared/http/problem';
import {
  REPORT_COLUMNS,
  STATEMENT_MEDIA_TYPES,
  STATEMENT_UPLOAD_MAX_BYTES,
  appliedStatement,
  daysQuery,
  exceptionList,
  exceptionListQuery,
  exceptionParams,
  fetchResult,
  reconciliationDays,
  reconciliationReport,
  reportQuery,
  resolveBody,
  resolveResult,
} from './reconciliation.schemas';
import type { RouteTable } from './route-kit';

export interface ReconciliationRouteDeps {
  applyStatement(input: { xml: string; actor: string; audit?: AuditStamp }): Promise<{
    messageId: string;
    kind: 'camt.053' | 'camt.054';
    applied: boolean;
    booked: number;
    returned: number;
    exceptions: number;
  }>;
  importBankStatements(input: { actor: string }): Promise<unknown>;
  resolveException(input: {
    id: number;
    actor: string;
    resolution: ExceptionResolution;
    reason: string;
    audit?: AuditStamp;
  }): Promise<{ id: number; status: 'RESOLVED' | 'AWAITING_SECOND_APPROVAL' }>;
  reads: ReconciliationReads;
  /** RECONCILIATION_WRITE_OFF_FOUR_EYES_MINOR: the summary tells the dashboard. */
  writeOffFourEyesAboveMinor: number;
  clock?: () => Date;
}

const DAY_MS = 86_400_000;

/** The whole body, or a 413 past the limit: a statement is applied whole or not at all. */
async function readBody(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit)
      throw new ProblemError(413, 'Payload Too Large', `a statement is at most ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reconciliation for operators (issue 26): statements in (upload, or fetched from the bank), the
 * exception queue and its resolution, and a day's report. A statement refused by the schema or
 * the parser is 422 with the reason, and nothing of it is applied.
 */
export function reconciliationRoutes(routes: RouteTable, deps: ReconciliationRouteDeps): void {
  routes.add({
    method: 'post',
    path: '/reconciliation/statements',
    summary: 'Upload a bank statement (camt.053) or notice (camt.054) to reconcile payouts with',
    tag: 'Reconciliation',
    roles: ['operator'],
    rawBody: {
      mediaTypes: STATEMENT_MEDIA_TYPES,
      maxLength: STATEMENT_UPLOAD_MAX_BYTES,
      description:
        'A camt.053.001.08 or camt.054.001.08 document, checked against its XSD and read whole before anything is applied. The same MsgId twice is a no-op (`applied: false`).',
    },
    audit: { action: 'reconciliation.statement', targetType: 'statement' },
    responses: {
      200: { description: 'Applied, or applied before (`applied: false`)', schema: appliedStatement },
      422: { description: 'Malformed, not valid against its XSD, or not a camt.053/054: refused whole' },
    },
    handler: async ({ req, principal, audit, res }) => {
      const xml = await readBody(req, STATEMENT_UPLOAD_MAX_BYTES);
      try {
        res.json(await deps.applyStatement({ xml, actor: principal!.name, audit }));
      } catch (e) {
        if (isDomainError(e) && e.code.startsWith('BANK_FILE.'))
          throw new ProblemError(422, 'Statement refused', e.message, { code: e.code });
        throw e;
      }
    },
  });

  routes.add({
    method: 'post',
    path: '/reconciliation/fetch',
    summary: 'Fetch the bank’s new notices and closed days’ statements and reconcile them now',
    tag: 'Reconciliation',
    roles: ['operator'],
    responses: { 200: { description: 'What was fetched and applied', schema: fetchResult } },
    handler: async ({ principal, res }) => {
      try {
        res.json(await deps.importBankStatements({ actor: principal!.name }));
      } catch (e) {
        if (isDomainError(e) && e.code.startsWith('BANK_FILE.'))
          throw new ProblemError(422, 'Statement refused', e.message, { code: e.code });
        if ((e as { transient?: unknown }).transient === true)
          throw new ProblemError(503, 'Bank unreachable', (e as Error).message, {}, { 'Retry-After': '30' });
        throw e;
      }
    },
  });

  routes.add({
    method: 'get',
    path: '/reconciliation/exceptions',
    summary: 'Reconciliation exceptions, oldest first',
    tag: 'Reconciliation',
    roles: ['operator', 'viewer'],
    query: exceptionListQuery,
    responses: { 200: { description: 'The exceptions', schema: exceptionList } },
    handler: async ({ query, res }) => {
      res.json({ items: await deps.reads.exceptions(query) });
    },
  });

  routes.add({
    method: 'post',
    path: '/reconciliation/exceptions/:id/resolve',
    summary: 'Resolve an exception with a reason (a large write-off needs a second operator)',
    tag: 'Reconciliation',
    roles: ['operator'],
    params: exceptionParams,
    body: resolveBody,
    audit: { action: 'reconciliation.resolve', targetType: 'reconciliation-exception' },
    responses: {
      200: { description: 'Resolved', schema: resolveResult },
      202: {
        description: 'A write-off above the threshold: awaiting a second operator',
        schema: resolveResult,
      },
      409: { description: 'Already resolved, or the proposer confirming their own write-off (`code`)' },
    },
    handler: async ({ params, body, principal, audit, res }) => {
      const out = await deps.resolveException({ id: params.id, actor: principal!.name, ...body, audit });
      res.status(out.status === 'RESOLVED' ? 200 : 202).json(out);
    },
  });

  routes.add({
    method: 'get',
    path: '/reconciliation/days',
    summary:
      'Per execution day, account and currency: payouts expected by file vs booked, returned, awaiting',
    tag: 'Reconciliation',
    roles: ['operator', 'viewer'],
    query: daysQuery,
    responses: { 200: { description: 'Newest day first', schema: reconciliationDays } },
    handler: async ({ query, res }) => {
      const to = query.to ?? (deps.clock ?? (() => new Date()))().toISOString().slice(0, 10);
      const from = new Date(Date.parse(`${to}T00:00:00Z`) - (query.days - 1) * DAY_MS)
        .toISOString()
        .slice(0, 10);
      res.json({
        from,
        to,
        writeOffFourEyesAboveMinor: deps.writeOffFourEyesAboveMinor,
        items: await deps.reads.days({ from, to }),
      });
    },
  });

  routes.add({
    method: 'get',
    path: '/reconciliation/report',
    summary: 'A day’s payouts and statement lines with how each matched (JSON, or CSV with format=csv)',
    tag: 'Reconciliation',
    roles: ['operator', 'viewer'],
    query: reportQuery,
    responses: { 200: { description: 'The report', schema: reconciliationReport } },
    handler: async ({ query, res }) => {
      const rows = await deps.reads.report(query.date);
      if (query.format === 'json') return void res.json({ date: query.date, rows });
      const lines = [
        csvRow([...REPORT_COLUMNS]),
        ...rows.map((r) => csvRow(REPORT_COLUMNS.map((c) => r[c]))),
      ];
      res
        .type('text/csv; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="reconciliation-${query.date}.csv"`)
        .send(`${lines.join('\r\n')}\r\n`);
    },
  });
}
