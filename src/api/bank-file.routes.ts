import type { BankFileReads } from '../ports/bank-file-reads.port';
import {
  BANK_FILE_ANOMALIES_MAX,
  bankFileAnomalyList,
  bankFileList,
  bankFileListQuery,
  bankFileParams,
  bankFileReportList,
  bankFileReportParams,
} from './bank-file.schemas';
import { ProblemError } from '../shared/http/problem';
import type { RouteTable } from './route-kit';

/**
 * The ISO 20022 file rail for operators: the pain.001 files sent (with their transfers by status),
 * each file's document, the pain.002 reports the bank sent back, and what a report said that could
 * not be applied. `anomalies` is declared before `:msgId`, which would otherwise take it.
 */
export function bankFileRoutes(routes: RouteTable, deps: { reads: BankFileReads }): void {
  routes.add({
    method: 'get',
    path: '/bank-files',
    summary: 'pain.001 files sent to the bank, newest first, with their transfers by status',
    tag: 'Bank files',
    roles: ['operator', 'viewer'],
    query: bankFileListQuery,
    responses: { 200: { description: 'The files', schema: bankFileList } },
    handler: async ({ query, res }) => {
      res.json({ items: await deps.reads.files({ limit: query.limit }) });
    },
  });

  routes.add({
    method: 'get',
    path: '/bank-files/anomalies',
    summary:
      'What the bank reported that could not be applied (unknown or contradictory statuses), newest first',
    tag: 'Bank files',
    roles: ['operator', 'viewer'],
    responses: { 200: { description: 'The anomalies', schema: bankFileAnomalyList } },
    handler: async ({ res }) => {
      res.json({ items: await deps.reads.anomalies(BANK_FILE_ANOMALIES_MAX) });
    },
  });

  routes.add({
    method: 'get',
    path: '/bank-files/:msgId/pain.001',
    summary: 'The pain.001.001.10 document of a file, as sent',
    tag: 'Bank files',
    roles: ['operator'],
    params: bankFileParams,
    responses: { 200: { description: 'application/xml' } },
    handler: async ({ params, res }) => {
      const xml = await deps.reads.fileXml(params.msgId);
      if (xml === undefined)
        throw new ProblemError(404, 'Bank file not found', `no file with MsgId ${params.msgId}`);
      res
        .type('application/xml; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="pain.001-${params.msgId}.xml"`)
        .send(xml);
    },
  });

  routes.add({
    method: 'get',
    path: '/bank-files/:msgId/reports',
    summary: 'The pain.002 status reports received about a file, oldest first',
    tag: 'Bank files',
    roles: ['operator', 'viewer'],
    params: bankFileParams,
    responses: { 200: { description: 'The reports', schema: bankFileReportList } },
    handler: async ({ params, res }) => {
      res.json({ items: await deps.reads.reportsOf(params.msgId) });
    },
  });

  routes.add({
    method: 'get',
    path: '/bank-files/:msgId/reports/:reportId/pain.002',
    summary: 'A pain.002.001.11 status report, as received',
    tag: 'Bank files',
    roles: ['operator'],
    params: bankFileReportParams,
    responses: { 200: { description: 'application/xml' } },
    handler: async ({ params, res }) => {
      const xml = await deps.reads.reportXml(params.msgId, params.reportId);
      if (xml === undefined)
        throw new ProblemError(
          404,
          'Report not found',
          `no report ${params.reportId} about file ${params.msgId}`,
        );
      res
        .type('application/xml; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="pain.002-${params.reportId}.xml"`)
        .send(xml);
    },
  });
}
