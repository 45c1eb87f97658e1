import type { BankFile, BankFileAnomaly, BankFileStatus, BankFileTransferStatus } from './api-client';

/**
 * What the Bank files page derives from the API's answers, kept pure so it is unit tested without a
 * browser: order, the transfer counts worth showing, when to keep polling, where each document lives.
 */

/** The order a file's transfers are told in: the way a transfer moves, then how it can end. */
export const TRANSFER_STATUSES: readonly BankFileTransferStatus[] = [
  'OPEN',
  'FILED',
  'ACCEPTED',
  'REJECTED',
  'WITHDRAWN',
];

/** Files the bank has not answered yet: only these can still change without a payment event. */
const AWAITING_BANK: ReadonlySet<BankFileStatus> = new Set(['BUILT', 'SUBMITTED']);

export const awaitsBank = (files: readonly BankFile[]): boolean =>
  files.some((f) => AWAITING_BANK.has(f.status));

/** Newest first (the API's order too), ties by MsgId so a refetch never reshuffles the rows. */
export function newestFirst(files: readonly BankFile[]): BankFile[] {
  return [...files].sort(
    (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.msgId.localeCompare(b.msgId),
  );
}

/** The non-zero transfer counts of a file, in `TRANSFER_STATUSES` order. */
export function transferCounts(items: BankFile['items']): Array<[BankFileTransferStatus, number]> {
  return TRANSFER_STATUSES.filter((s) => items[s] > 0).map((s) => [s, items[s]]);
}

export const pain001Path = (msgId: string): string => `/bank-files/${encodeURIComponent(msgId)}/pain.001`;

export const pain002Path = (msgId: string, reportId: string): string =>
  `/bank-files/${encodeURIComponent(msgId)}/reports/${encodeURIComponent(reportId)}/pain.002`;

/** The API's own `Content-Disposition` names, which a cross-origin page cannot read. */
export const pain001FileName = (msgId: string): string => `pain.001-${msgId}.xml`;
export const pain002FileName = (reportId: string): string =>
  `pain.002-${reportId.replace(/[^A-Za-z0-9._-]/g, '_')}.xml`;

const AGE_STEPS: ReadonlyArray<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];

/** `createdAt` as an age an operator scans: `45 s`, `12 min`, `3 h`, `2 d` (whole units, floored). */
export function formatAge(iso: string, now: Date = new Date()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  // A clock a little ahead of the browser's is not "in the future": it is now.
  const ms = Math.max(0, now.getTime() - at);
  for (const [unit, label] of AGE_STEPS) if (ms >= unit) return `${Math.floor(ms / unit)} ${label}`;
  return '0 s';
}

const ANOMALY_LABELS: Record<BankFileAnomaly['kind'], string> = {
  UNKNOWN_FILE: 'Unknown file',
  UNKNOWN_TRANSACTION: 'Unknown transaction',
  CONTRADICTORY_STATUS: 'Contradictory status',
  UNRECOGNISED_STATUS: 'Unrecognised status',
  MALFORMED_REPORT: 'Malformed report',
};

export const anomalyLabel = (kind: BankFileAnomaly['kind']): string => ANOMALY_LABELS[kind] ?? kind;
