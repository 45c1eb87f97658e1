import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';

const FILES = 'sandbox_bank_files';
const REPORTS = 'sandbox_bank_reports';
const LEDGER = 'sandbox_bank_ledger';
/** Advisory lock keys: one per MsgId while its file is taken in, one for the report list's order. */
const FILE_LOCK_SPACE = 0x53_42_46_49;
const REPORT_LOCK_SPACE = 0x53_42_52_50;

export type FileChannel = 'http' | 'folder';

export interface ReceivedFile {
  id: string;
  msgId: string;
  channel: FileChannel;
  receivedAt: string;
}

export interface ReportListing {
  id: string;
  messageId: string;
  originalMessageId: string;
  fileId: string;
}

export interface StoredReport extends ReportListing {
  xml: string;
}

export interface BookedTransfer {
  endToEndId: string;
  amountMinor: number;
  currency: string;
  /** Masked, as the JSON payouts' accounts are. */
  account: string;
  /** Where it is paid from and when (the customer's statement), and the file and batch that ordered it. */
  debtorAccount?: string;
  bookingDate?: string;
  fileMsgId?: string;
  paymentInformationId?: string;
}

interface ReportRow {
  seq: string | number;
  id: string;
  file_msg_id: string;
  message_id: string;
  xml: string;
  available_at: Date | string;
  file_id: string;
}

/** A position in the list of reports: after (available time, sequence). Opaque to clients. */
interface Cursor {
  at: number;
  seq: number;
}

export const encodeCursor = (c: Cursor): string => `${c.at}.${c.seq}`;
export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(\d{1,15})\.(\d{1,15})$/.exec(value);
  if (!m) throw new Error('not a report cursor');
  return { at: Number(m[1]), seq: Number(m[2]) };
}

/**
 * What the bank keeps of bank files. Reports are listed in the order they become available; writers
 * take the report lock exclusively and readers share it, so a report is never committed behind a
 * cursor a reader has already handed out (a late one included: its time is when it becomes listed).
 */
export class SandboxBankFilesStore {
  constructor(private readonly db: Knex) {}

  /**
   * Takes a file in once per MsgId: `process` runs in the transaction that records the file, and
   * everything it books or reports commits with it, or nothing does. A MsgId seen before answers
   * with the first file, untouched.
   */
  receive<T>(
    msgId: string,
    channel: FileChannel,
    transactionCount: number,
    process: (trx: Knex.Transaction, file: ReceivedFile) => Promise<T>,
  ): Promise<
    { kind: 'accepted'; file: ReceivedFile; result: T } | { kind: 'duplicate'; file: ReceivedFile }
  > {
    return this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?::int, hashtext(?))', [FILE_LOCK_SPACE, msgId]);
      const seen = (await trx(FILES).where({ msg_id: msgId }).first()) as
        { id: string; channel: FileChannel; received_at: Date | string } | undefined;
      if (seen) {
        return {
          kind: 'duplicate' as const,
          file: {
            id: seen.id,
            msgId,
            channel: seen.channel,
            receivedAt: new Date(seen.received_at).toISOString(),
          },
        };
      }
      const file: ReceivedFile = { id: randomUUID(), msgId, channel, receivedAt: new Date().toISOString() };
      await trx(FILES).insert({
        msg_id: msgId,
        id: file.id,
        channel,
        transaction_count: transactionCount,
        received_at: new Date(file.receivedAt),
      });
      return { kind: 'accepted' as const, file, result: await process(trx, file) };
    });
  }

  /** Books a transfer from a file; false when its EndToEndId is booked already (nothing written). */
  async book(trx: Knex.Transaction, transfer: BookedTransfer): Promise<boolean> {
    const inserted = await trx(LEDGER)
      .insert({
        id: randomUUID(),
        kind: 'PAYOUT',
        payout_id: null,
        amount_minor: transfer.amountMinor,
        currency: transfer.currency,
        account: transfer.account,
        payment_reference: transfer.endToEndId,
        end_to_end_id: transfer.endToEndId,
        debtor_account: transfer.debtorAccount ?? null,
        booking_date: transfer.bookingDate ?? null,
        file_msg_id: transfer.fileMsgId ?? null,
        pmt_inf_id: transfer.paymentInformationId ?? null,
        created_at: new Date(),
      })
      .onConflict('end_to_end_id')
      .ignore()
      .returning('id');
    return inserted.length === 1;
  }

  /** Stores a report (the same one `copies` times: the duplicate-report fault) for listing from `availableAfterMs` on. */
  async addReport(
    trx: Knex.Transaction,
    report: { fileMsgId: string; messageId: string; channel: FileChannel; xml: string },
    availableAfterMs: number,
    copies = 1,
  ): Promise<string[]> {
    await trx.raw('select pg_advisory_xact_lock(?::int, 0)', [REPORT_LOCK_SPACE]);
    // Read after the lock: no reader can have handed out a cursor beyond this time.
    const availableAt = new Date(Date.now() + availableAfterMs);
    const ids = Array.from({ length: copies }, () => randomUUID());
    for (const id of ids) {
      await trx(REPORTS).insert({
        id,
        file_msg_id: report.fileMsgId,
        message_id: report.messageId,
        channel: report.channel,
        xml: report.xml,
        available_at: availableAt,
      });
    }
    return ids;
  }

  /** Available reports of a channel after a cursor, oldest first, with the cursor after the last. */
  listReports(
    channel: FileChannel,
    after: string | undefined,
    limit: number,
  ): Promise<{ reports: StoredReport[]; next: string | undefined }> {
    const cursor = decodeCursor(after);
    return this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock_shared(?::int, 0)', [REPORT_LOCK_SPACE]);
      const query = trx<ReportRow>(`${REPORTS} as r`)
        .join(`${FILES} as f`, 'f.msg_id', 'r.file_msg_id')
        .select(
          'r.seq',
          'r.id',
          'r.file_msg_id',
          'r.message_id',
          'r.xml',
          'r.available_at',
          'f.id as file_id',
        )
        .where('r.channel', channel)
        .where('r.available_at', '<=', new Date())
        .orderBy([
          { column: 'r.available_at', order: 'asc' },
          { column: 'r.seq', order: 'asc' },
        ])
        .limit(limit);
      if (cursor) query.whereRaw('(r.available_at, r.seq) > (?, ?)', [new Date(cursor.at), cursor.seq]);
      const rows = (await query) as ReportRow[];
      const last = rows.at(-1);
      return {
        reports: rows.map(toReport),
        next: last
          ? encodeCursor({ at: new Date(last.available_at).getTime(), seq: Number(last.seq) })
          : after,
      };
    });
  }

  async report(id: string): Promise<StoredReport | undefined> {
    const row = (await this.db<ReportRow>(`${REPORTS} as r`)
      .join(`${FILES} as f`, 'f.msg_id', 'r.file_msg_id')
      .select('r.seq', 'r.id', 'r.file_msg_id', 'r.message_id', 'r.xml', 'r.available_at', 'f.id as file_id')
      .where('r.id', id)
      .first()) as ReportRow | undefined;
    return row ? toReport(row) : undefined;
  }

  /** Folder mode: available reports not yet written out, oldest first. */
  async unexported(channel: FileChannel, limit: number): Promise<StoredReport[]> {
    const rows = (await this.db<ReportRow>(`${REPORTS} as r`)
      .join(`${FILES} as f`, 'f.msg_id', 'r.file_msg_id')
      .select('r.seq', 'r.id', 'r.file_msg_id', 'r.message_id', 'r.xml', 'r.available_at', 'f.id as file_id')
      .where('r.channel', channel)
      .whereNull('r.exported_at')
      .where('r.available_at', '<=', new Date())
      .orderBy([
        { column: 'r.available_at', order: 'asc' },
        { column: 'r.seq', order: 'asc' },
      ])
      .limit(limit)) as ReportRow[];
    return rows.map(toReport);
  }

  async markExported(id: string): Promise<void> {
    await this.db(REPORTS).where({ id }).update({ exported_at: new Date() });
  }
}

function toReport(row: ReportRow): StoredReport {
  return {
    id: row.id,
    messageId: row.message_id,
    originalMessageId: row.file_msg_id,
    fileId: row.file_id,
    xml: row.xml,
  };
}
