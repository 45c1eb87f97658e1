import { clampText as clip } from '../../domain/text-length.util';
import type { AuditStamp } from '../../ports/audit.port';
import { accrueCommissions, type AccrualDeps, type AccrualItem } from './accrue-commissions';

/**
 * Importing commissions: rows come in one at a time (from a CSV or NDJSON reader at the edge); good
 * rows are accrued a batch per transaction (idempotent by externalRef, as single accruals are), bad
 * ones are refused with their row number, and the report tallies everything. At most one batch is
 * held in memory.
 */
export interface ImportLimits {
  /** Data rows read at most; the rest of the input is not read. */
  maxRows: number;
  /** Rows per transaction: memory and lock time stay flat whatever the file's size. */
  batchSize: number;
  /** Refused rows listed in the report (the count is always exact). */
  maxRefusalsListed: number;
  /** Longest CSV record or NDJSON line, in characters; a longer one could not be told from a runaway quote. */
  maxRecordChars: number;
  /** A refused row's reason and externalRef are the caller's text: the report echoes this much. */
  maxReasonChars: number;
  maxRefChars: number;
}

export interface RefusedRow {
  /** 1-based data row: a CSV header is not counted, nor are blank lines. */
  row: number;
  externalRef?: string;
  code: string;
  reason: string;
}

export interface ImportReport {
  rows: number;
  accepted: number;
  alreadyPresent: number;
  refused: RefusedRow[];
  refusedCount: number;
  truncated: boolean;
  truncatedReason: string | null;
}

export type ImportFormat = 'csv' | 'ndjson';

export class CommissionImport {
  private rows = 0;
  private accepted = 0;
  private alreadyPresent = 0;
  private refusedCount = 0;
  private refused: RefusedRow[] = [];
  private pending: Array<{ row: number; item: AccrualItem }> = [];

  constructor(
    private readonly deps: AccrualDeps,
    private readonly limits: ImportLimits,
    /** The import's audit entry: written with the first batch that writes, committed with it. */
    private readonly audit?: AuditStamp,
  ) {}

  async add(row: number, item: AccrualItem): Promise<void> {
    this.rows += 1;
    this.pending.push({ row, item });
    if (this.pending.length >= this.limits.batchSize) await this.flush();
  }

  /** A row the reader could not turn into an item (malformed line or record). */
  refuse(row: number, code: string, reason: string, externalRef?: string): void {
    this.rows += 1;
    this.noteRefusal({ row, code, reason, ...(externalRef === undefined ? {} : { externalRef }) });
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const audit = this.audit && !this.audit.committed ? this.audit : undefined;
    const outcomes = await accrueCommissions(
      this.deps,
      batch.map((b) => b.item),
      {
        allOrNothing: false,
        ...(audit ? { audit: { stamp: audit, statusWhenCreated: 200, statusWhenUnchanged: 200 } } : {}),
      },
    );
    outcomes.forEach((o, i) => {
      if (o.outcome === 'refused') {
        const { externalRef, code, message } = o;
        this.noteRefusal({
          row: batch[i]!.row,
          code,
          reason: message,
          ...(externalRef ? { externalRef } : {}),
        });
      } else if (o.outcome === 'created') this.accepted += 1;
      else this.alreadyPresent += 1;
    });
  }

  report(truncatedReason: string | null): ImportReport {
    this.trimRefusals();
    return {
      rows: this.rows,
      accepted: this.accepted,
      alreadyPresent: this.alreadyPresent,
      refused: this.refused,
      refusedCount: this.refusedCount,
      truncated: truncatedReason !== null,
      truncatedReason,
    };
  }

  private noteRefusal(r: RefusedRow): void {
    this.refusedCount += 1;
    // A refused row's text is the caller's (up to a 64 KiB record): the report echoes a bounded part.
    this.refused.push({
      ...r,
      reason: clip(r.reason, this.limits.maxReasonChars),
      ...(r.externalRef === undefined ? {} : { externalRef: clip(r.externalRef, this.limits.maxRefChars) }),
    });
    // Refusals arrive slightly out of row order (reader refusals before a batch's), so trim by row.
    if (this.refused.length >= 2 * this.limits.maxRefusalsListed) this.trimRefusals();
  }

  private trimRefusals(): void {
    this.refused.sort((a, b) => a.row - b.row);
    this.refused.length = Math.min(this.refused.length, this.limits.maxRefusalsListed);
  }
}
