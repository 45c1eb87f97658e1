import { csvDecimal, csvRow } from './csv.util';

/** A settlement run for accounting: one CSV line per partner and currency, payouts and skipped alike. */
export const SETTLEMENT_REPORT_COLUMNS = [
  'settlement_id',
  'seq',
  'partner_id',
  'currency',
  'net_minor',
  'commission_count',
  'clawback_count',
  'payment_id',
  'payment_status',
  'skip_reason',
  'skip_detail',
] as const;

export interface SettlementReportItem {
  seq: number;
  partnerId: string;
  currency: string;
  /** Exact decimal integer string (may pass 2^53); negative for a NEGATIVE_BALANCE. */
  netMinor: string;
  commissionCount: number;
  clawbackCount: number;
  paymentId: string | null;
  paymentStatus: string | null;
  skipReason: string | null;
  skipDetail: string | null;
}

export const settlementReportHeader = (): string => SETTLEMENT_REPORT_COLUMNS.join(',');

export function settlementReportLine(settlementId: string, i: SettlementReportItem): string {
  return csvRow([
    settlementId,
    i.seq,
    i.partnerId,
    i.currency,
    csvDecimal(i.netMinor),
    i.commissionCount,
    i.clawbackCount,
    i.paymentId,
    i.paymentStatus,
    i.skipReason,
    i.skipDetail,
  ]);
}
