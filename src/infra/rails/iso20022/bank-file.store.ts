import type { Knex } from 'knex';
import { BankFileErrorCodes } from './bank-file.errors';
import { buildPain001, type CreditorAccount } from './pain001.builder';
import { outcomeOf, parsePain002, transactionStatusIn, type StatusReason } from './pain002.parser';
import type { BankFileTransport } from '../../../ports/bank-file-transport.port';
import { DomainError } from '../../../domain/domain-error';
import type {
  BankFileAnomaly,
  BankFileItemStatus,
  BankFileReads,
  BankFileReportSummary,
  BankFileStatus,
  BankFileSummary,
} from '../../../ports/bank-file-reads.port';

export type { BankFileItemStatus } from '../../../ports/bank-file-reads.port';

/**
 * The ISO 20022 file rail's own records: transfers queued for a file (`bank_file_items`), the
 * pain.001 files they were batched into (`bank_files`), the pain.002 reports read back
 * (`bank_file_reports`, once each) and what a report said that could not be applied
 * (`bank_file_anomalies`). Sensitive: items hold the creditor's account, which only leaves masked.
 */

export interface QueuedTransfer {
  idempotencyKey: string;
  paymentId: string;
  endToEndId: string;
  debtorIban: string;
  currency: string;
  executionDate: string;
  amountMinor: bigint;
  creditor: { name: string; account: CreditorAccount; bic?: string };
  remittance: string;
}

export interface BankFileItem {
  idempotencyKey: string;
  paymentId: string | null;
  status: BankFileItemStatus;
  msgId: string | null;
  reasonCode: string | null;
  reason: string | null;
}

export interface CycleCounts {
  files: number;
  transfers: number;
}

export interface ReportCounts {
  reports: number;
  accepted: number;
  rejected: number;
  anomalies: number;
}

const CHANNEL = 'pain.002';
const maskIban = (iban: string): string => `${iban.slice(0, 4)}…${iban.slice(-4)}`;
const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());
const day = (v: Date | string): string =>
  typeof v === 'string' ? v.slice(0, 10) : v.toISOString().slice(0, 10);

interface ItemRow {
  idempotency_key: string;
  payment_id: string | null;
  end_to_end_id: string | null;
  debtor_iban: string | null;
  currency: string | null;
  execution_date: string | Date | null;
  amount_minor: string | number | null;
  creditor: QueuedTransfer['creditor'] | string | null;
  remittance: string | null;
  status: BankFileItemStatus;
  msg_id: string | null;
  reason_code: string | null;
  reason: string | null;
  created_at: Date | string;
}

const toItem = (r: ItemRow): BankFileItem => ({
  idempotencyKey: r.idempotency_key,
  paymentId: r.payment_id,
  status: r.status,
  msgId: r.msg_id,
  reasonCode: r.reason_code,
  reason: r.reason,
});

const reasonText = (reasons: readonly StatusReason[]): { code: string | null; text: string } => {
  const first = reasons[0];
  const code = first?.code ?? first?.proprietary ?? null;
  const info = reasons.flatMap((r) => r.additionalInformation).join(' ');
  return { code, text: [code, info].filter(Boolean).join(' ') || 'rejected by the bank' };
};

export class BankFileStore implements BankFileReads {
  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Queues a transfer under its key; the same key again changes nothing. Returns what the key holds. */
  async enqueue(t: QueuedTransfer): Promise<BankFileItem> {
    const at = this.now();
    await this.db('bank_file_items')
      .insert({
        idempotency_key: t.idempotencyKey,
        payment_id: t.paymentId,
        end_to_end_id: t.endToEndId,
        debtor_iban: t.debtorIban,
        currency: t.currency,
        execution_date: t.executionDate,
        amount_minor: t.amountMinor.toString(),
        creditor: JSON.stringify(t.creditor),
        remittance: t.remittance,
        status: 'OPEN',
        created_at: at,
        updated_at: at,
      })
      .onConflict('idempotency_key')
      .ignore();
    return (await this.item(t.idempotencyKey))!;
  }

  async item(idempotencyKey: string): Promise<BankFileItem | undefined> {
    const row = await this.db<ItemRow>('bank_file_items').where({ idempotency_key: idempotencyKey }).first();
    return row ? toItem(row) : undefined;
  }

  /**
   * Closes a key for good when no file holds it yet: an OPEN transfer is taken out of its batch, and
   * a key never queued gets a tombstone, so a try still in flight can no longer queue it.
   */
  async withdraw(idempotencyKey: string): Promise<BankFileItem> {
    const at = this.now();
    await this.db('bank_file_items')
      .insert({
        idempotency_key: idempotencyKey,
        status: 'WITHDRAWN',
        reason: 'closed before any file held it',
        created_at: at,
        updated_at: at,
      })
      .onConflict('idempotency_key')
      .ignore();
    await this.db('bank_file_items')
      .where({ idempotency_key: idempotencyKey, status: 'OPEN' })
      .update({ status: 'WITHDRAWN', reason: 'closed before any file held it', updated_at: at });
    return (await this.item(idempotencyKey))!;
  }

  /**
   * Batches every OPEN transfer into pain.001 files: one per debtor account and currency, for
   * today's execution date, at most `maxTransactions` each. Items and their file commit together.
   */
  async closeBatches(opts: {
    debtor: { name: string; iban: string; bic: string };
    maxTransactions: number;
  }): Promise<CycleCounts> {
    const counts: CycleCounts = { files: 0, transfers: 0 };
    for (;;) {
      const built = await this.db.transaction(async (tx) => {
        const first = await tx<ItemRow>('bank_file_items')
          .where({ status: 'OPEN' })
          .orderBy([{ column: 'created_at' }, { column: 'idempotency_key' }])
          .first();
        if (!first) return 0;
        const rows = await tx<ItemRow>('bank_file_items')
          .where({ status: 'OPEN', debtor_iban: first.debtor_iban, currency: first.currency })
          .orderBy([{ column: 'created_at' }, { column: 'idempotency_key' }])
          .limit(opts.maxTransactions)
          .forUpdate();
        const now = this.now();
        const executionDate = day(now);
        const file = buildPain001({
          debtor: opts.debtor,
          currency: first.currency!,
          requestedExecutionDate: executionDate,
          createdAt: now,
          transfers: rows.map((r) => {
            const creditor = (
              typeof r.creditor === 'string' ? JSON.parse(r.creditor) : r.creditor
            ) as QueuedTransfer['creditor'];
            return {
              paymentId: r.payment_id!,
              amountMinor: BigInt(r.amount_minor!),
              creditor,
              remittanceReference: r.remittance!,
            };
          }),
        });
        // The builder's MsgId is a function of the batch (debtor, currency, date, payment ids).
        await tx('bank_files').insert({
          msg_id: file.messageId,
          pmt_inf_id: file.paymentInformationId,
          debtor_iban: opts.debtor.iban,
          currency: file.currency,
          execution_date: executionDate,
          number_of_transactions: file.numberOfTransactions,
          control_sum_minor: file.controlSumMinor.toString(),
          xml: file.xml,
          status: 'BUILT',
          created_at: now,
          updated_at: now,
        });
        await tx('bank_file_items')
          .whereIn(
            'idempotency_key',
            rows.map((r) => r.idempotency_key),
          )
          .update({ status: 'FILED', msg_id: file.messageId, updated_at: now });
        return rows.length;
      });
      if (built === 0) return counts;
      counts.files += 1;
      counts.transfers += built;
    }
  }

  /**
   * Sends every file not yet sent. A file the bank refuses whole rejects its transfers (nothing was
   * paid: they may go to the next provider); `duplicate` means an earlier send got through.
   */
  async submitBuilt(transport: BankFileTransport): Promise<CycleCounts> {
    const counts: CycleCounts = { files: 0, transfers: 0 };
    const files = await this.db('bank_files')
      .where({ status: 'BUILT' })
      .orderBy('created_at')
      .select('msg_id', 'xml', 'number_of_transactions');
    for (const f of files as { msg_id: string; xml: string; number_of_transactions: number }[]) {
      const at = () => this.now();
      try {
        const result = await transport.submit({ msgId: f.msg_id, xml: f.xml });
        await this.db('bank_files')
          .where({ msg_id: f.msg_id, status: 'BUILT' })
          .update({
            status: 'SUBMITTED',
            bank_file_id: result.kind === 'accepted' ? result.fileId : null,
            submitted_at: at(),
            updated_at: at(),
          });
      } catch (err) {
        if (!(err instanceof DomainError) || err.code !== BankFileErrorCodes.FILE_REFUSED) throw err;
        await this.db.transaction(async (tx) => {
          await tx('bank_files')
            .where({ msg_id: f.msg_id })
            .update({ status: 'REFUSED', refusal: err.message, updated_at: at() });
          await tx('bank_file_items')
            .where({ msg_id: f.msg_id, status: 'FILED' })
            .update({
              status: 'REJECTED',
              reason_code: 'FILE_REFUSED',
              reason: `the bank refused the file: ${err.message}`,
              updated_at: at(),
            });
        });
      }
      counts.files += 1;
      counts.transfers += f.number_of_transactions;
    }
    return counts;
  }

  /**
   * Reads the reports that arrived since the last read and applies each once (by the channel's id):
   * an accepted transfer is paid, a rejected one refused with the bank's reason. What cannot be
   * applied — a file or transaction we never sent, a status contradicting an earlier one, a code we
   * do not know — is kept as an anomaly for an operator, and the earlier status stands.
   */
  async applyReports(transport: BankFileTransport): Promise<ReportCounts> {
    const counts: ReportCounts = { reports: 0, accepted: 0, rejected: 0, anomalies: 0 };
    const cursorRow = await this.db('bank_file_cursor').where({ channel: CHANNEL }).first();
    const batch = await transport.fetchReports((cursorRow?.cursor as string | null | undefined) ?? null);
    for (const report of batch.reports) {
      await this.db.transaction(async (tx) => {
        const seen = await tx('bank_file_reports').where({ id: report.id }).first();
        if (seen) return;
        const at = this.now();
        const anomalies: Omit<BankFileAnomaly, 'id' | 'createdAt' | 'reportId'>[] = [];
        let parsed;
        try {
          parsed = parsePain002(report.xml);
        } catch (err) {
          anomalies.push({
            kind: 'MALFORMED_REPORT',
            originalMsgId: null,
            endToEndId: null,
            detail: String((err as Error).message),
          });
        }
        let applied = 0;
        if (parsed) {
          const file = await tx('bank_files').where({ msg_id: parsed.originalMessageId }).forUpdate().first();
          if (!file) {
            anomalies.push({
              kind: 'UNKNOWN_FILE',
              originalMsgId: parsed.originalMessageId,
              endToEndId: null,
              detail: `a report about MsgId ${parsed.originalMessageId}, which was never sent`,
            });
          } else {
            const items = await tx<ItemRow>('bank_file_items').where({ msg_id: file.msg_id }).forUpdate();
            const ours = new Set(items.map((i) => i.end_to_end_id!.toLowerCase()));
            for (const t of parsed.transactions) {
              if (t.originalEndToEndId && !ours.has(t.originalEndToEndId.toLowerCase())) {
                anomalies.push({
                  kind: 'UNKNOWN_TRANSACTION',
                  originalMsgId: file.msg_id,
                  endToEndId: t.originalEndToEndId,
                  detail: `EndToEndId ${t.originalEndToEndId} is not in file ${file.msg_id}`,
                });
              }
            }
            for (const item of items) {
              const said = transactionStatusIn(parsed, {
                endToEndId: item.end_to_end_id!,
                paymentInformationId: file.pmt_inf_id,
              });
              if (!said) continue;
              const outcome = outcomeOf(said.status);
              if (outcome === 'PENDING') continue;
              if (outcome === 'UNRECOGNISED') {
                anomalies.push({
                  kind: 'UNRECOGNISED_STATUS',
                  originalMsgId: file.msg_id,
                  endToEndId: item.end_to_end_id,
                  detail: `status ${said.status}`,
                });
                continue;
              }
              const next: BankFileItemStatus = outcome === 'ACCEPTED' ? 'ACCEPTED' : 'REJECTED';
              if (item.status === next) continue; // a duplicate report says it again
              if (item.status !== 'FILED') {
                anomalies.push({
                  kind: 'CONTRADICTORY_STATUS',
                  originalMsgId: file.msg_id,
                  endToEndId: item.end_to_end_id,
                  detail: `reported ${said.status} after ${item.status}; ${item.status} stands`,
                });
                continue;
              }
              const reason = next === 'REJECTED' ? reasonText(said.reasons) : null;
              await tx('bank_file_items')
                .where({ idempotency_key: item.idempotency_key })
                .update({
                  status: next,
                  reason_code: reason?.code ?? null,
                  reason: reason?.text ?? null,
                  updated_at: at,
                });
              item.status = next;
              applied += 1;
              if (next === 'ACCEPTED') counts.accepted += 1;
              else counts.rejected += 1;
            }
            const statuses = items.map((i) => i.status);
            const fileStatus: BankFileStatus | null = statuses.every((s) => s === 'ACCEPTED')
              ? 'ACCEPTED'
              : statuses.every((s) => s === 'REJECTED')
                ? 'REJECTED'
                : statuses.some((s) => s === 'FILED')
                  ? null
                  : 'PARTIALLY_ACCEPTED';
            if (fileStatus)
              await tx('bank_files')
                .where({ msg_id: file.msg_id })
                .update({ status: fileStatus, updated_at: at });
          }
        }
        await tx('bank_file_reports').insert({
          id: report.id,
          msg_id: parsed?.messageId ?? '',
          original_msg_id: parsed?.originalMessageId ?? null,
          group_status: parsed?.groupStatus ?? null,
          xml: report.xml,
          applied,
          received_at: at,
        });
        if (anomalies.length) {
          await tx('bank_file_anomalies').insert(
            anomalies.map((a) => ({
              report_id: report.id,
              original_msg_id: a.originalMsgId,
              end_to_end_id: a.endToEndId,
              kind: a.kind,
              detail: a.detail,
              created_at: at,
            })),
          );
        }
        counts.reports += 1;
        counts.anomalies += anomalies.length;
      });
    }
    if (batch.cursor !== null) {
      await this.db('bank_file_cursor')
        .insert({ channel: CHANNEL, cursor: batch.cursor, updated_at: this.now() })
        .onConflict('channel')
        .merge();
    }
    return counts;
  }

  /** Files, newest first, with their transfers counted by status. */
  async files(opts: { limit: number }): Promise<BankFileSummary[]> {
    const q = this.db('bank_files')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'msg_id', order: 'desc' },
      ])
      .limit(opts.limit);
    const rows = (await q.select(
      'msg_id',
      'pmt_inf_id',
      'debtor_iban',
      'currency',
      'execution_date',
      'number_of_transactions',
      'control_sum_minor',
      'status',
      'bank_file_id',
      'refusal',
      'created_at',
      'submitted_at',
    )) as Record<string, unknown>[];
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.msg_id as string);
    const itemCounts = (await this.db('bank_file_items')
      .whereIn('msg_id', ids)
      .groupBy('msg_id', 'status')
      .select('msg_id', 'status')
      .count({ n: '*' })) as { msg_id: string; status: BankFileItemStatus; n: string | number }[];
    const reportCounts = (await this.db('bank_file_reports')
      .whereIn('original_msg_id', ids)
      .groupBy('original_msg_id')
      .select('original_msg_id')
      .count({ n: '*' })) as { original_msg_id: string; n: string | number }[];
    return rows.map((r) => {
      const items: Record<BankFileItemStatus, number> = {
        OPEN: 0,
        FILED: 0,
        ACCEPTED: 0,
        REJECTED: 0,
        WITHDRAWN: 0,
      };
      for (const c of itemCounts) if (c.msg_id === r.msg_id) items[c.status] = Number(c.n);
      return {
        msgId: r.msg_id as string,
        paymentInformationId: r.pmt_inf_id as string,
        debtorAccount: maskIban(r.debtor_iban as string),
        currency: r.currency as string,
        executionDate: day(r.execution_date as string | Date),
        numberOfTransactions: Number(r.number_of_transactions),
        controlSumMinor: Number(r.control_sum_minor),
        status: r.status as BankFileStatus,
        bankFileId: (r.bank_file_id as string | null) ?? null,
        refusal: (r.refusal as string | null) ?? null,
        createdAt: iso(r.created_at as string)!,
        submittedAt: iso((r.submitted_at as string | null) ?? null),
        items,
        reports: Number(reportCounts.find((c) => c.original_msg_id === r.msg_id)?.n ?? 0),
      };
    });
  }

  async fileXml(msgId: string): Promise<string | undefined> {
    const row = await this.db('bank_files').where({ msg_id: msgId }).first('xml');
    return row?.xml as string | undefined;
  }

  /** The reports received about a file, oldest first. */
  async reportsOf(msgId: string): Promise<BankFileReportSummary[]> {
    const rows = (await this.db('bank_file_reports')
      .where({ original_msg_id: msgId })
      .orderBy('received_at')
      .select('id', 'msg_id', 'group_status', 'received_at')) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as string,
      msgId: r.msg_id as string,
      groupStatus: (r.group_status as string | null) ?? null,
      receivedAt: iso(r.received_at as string)!,
    }));
  }

  async reportXml(msgId: string, reportId: string): Promise<string | undefined> {
    const row = await this.db('bank_file_reports')
      .where({ original_msg_id: msgId, id: reportId })
      .first('xml');
    return row?.xml as string | undefined;
  }

  async anomalies(limit: number): Promise<BankFileAnomaly[]> {
    const rows = (await this.db('bank_file_anomalies').orderBy('id', 'desc').limit(limit)) as Record<
      string,
      unknown
    >[];
    return rows.map((r) => ({
      id: Number(r.id),
      reportId: r.report_id as string,
      originalMsgId: (r.original_msg_id as string | null) ?? null,
      endToEndId: (r.end_to_end_id as string | null) ?? null,
      kind: r.kind as BankFileAnomaly['kind'],
      detail: r.detail as string,
      createdAt: iso(r.created_at as string)!,
    }));
  }
}
