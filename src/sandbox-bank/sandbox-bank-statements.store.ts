import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import type { AccountEntry, CreditDebit, ReturnReason } from './camt.builder';
import { decodeCursor, encodeCursor, type FileChannel } from './sandbox-bank-files.store';

const ENTRIES = 'sandbox_bank_account_entries';
const NOTIFICATIONS = 'sandbox_bank_notifications';
const DAYS = 'sandbox_bank_statement_days';
const LEDGER = 'sandbox_bank_ledger';
const FILES = 'sandbox_bank_files';
/** Advisory lock key of the notification list's order (see SandboxBankFilesStore's reports). */
const NOTIFICATION_LOCK_SPACE = 0x53_42_4e_54;

export type NewEntry = Omit<AccountEntry, 'id' | 'seq'>;

export interface NotificationListing {
  id: string;
  messageId: string;
  account: string;
}
export interface StoredNotification extends NotificationListing {
  xml: string;
}

/** A transfer booked from a file, as the bank needs it to return it. */
export interface BookedFileTransfer {
  endToEndId: string;
  amountMinor: bigint;
  currency: string;
  debtorAccount: string;
  bookingDate: string;
  messageId: string;
  paymentInformationId: string | null;
  channel: FileChannel;
}

interface EntryRow {
  seq: string | number;
  id: string;
  kind: AccountEntry['kind'];
  account: string;
  currency: string;
  booking_date: string;
  credit_debit: CreditDebit;
  amount_minor: string | number;
  msg_id: string | null;
  pmt_inf_id: string | null;
  transactions: string | Array<{ endToEndId: string; instructionId: string | null; amountMinor: string }>;
  return_reason: string | null;
  booked_at: Date | string;
}

interface NotificationRow {
  seq: string | number;
  id: string;
  message_id: string;
  account: string;
  xml: string;
  available_at: Date | string;
}

/**
 * What the bank keeps of its customers' accounts: entries (the statement lines) and the intraday
 * notices sent about them. Amounts are bigint all the way (PostgreSQL bigint, read back as text).
 */
export class SandboxBankStatementsStore {
  constructor(private readonly db: Knex) {}

  /** Books entries on accounts; each one's day is marked changed as of when it becomes visible. */
  async addEntries(
    trx: Knex.Transaction,
    entries: readonly NewEntry[],
    availableAt: Date,
  ): Promise<AccountEntry[]> {
    const booked: AccountEntry[] = [];
    for (const e of entries) {
      const id = randomUUID();
      const [row] = (await trx(ENTRIES)
        .insert({
          id,
          kind: e.kind,
          account: e.account,
          currency: e.currency,
          booking_date: e.bookingDate,
          credit_debit: e.creditDebit,
          amount_minor: e.amountMinor.toString(),
          msg_id: e.messageId,
          pmt_inf_id: e.paymentInformationId,
          end_to_end_id: e.kind === 'BATCH' ? null : (e.transactions[0]?.endToEndId ?? null),
          transactions: JSON.stringify(
            e.transactions.map((t) => ({ ...t, amountMinor: t.amountMinor.toString() })),
          ),
          return_reason: e.returnReason,
          booked_at: e.bookedAt,
          available_at: availableAt,
        })
        .returning('seq')) as Array<{ seq: string | number }>;
      booked.push({ ...e, id, seq: Number(row!.seq) });
      await trx.raw(
        `insert into ${DAYS} (account, booking_date, changed_at) values (?, ?, ?)
         on conflict (account, booking_date) do update
           set changed_at = greatest(${DAYS}.changed_at, excluded.changed_at)`,
        [e.account, e.bookingDate, availableAt],
      );
    }
    return booked;
  }

  /** Entries of an account booked on a day and visible by `now`, in booking order. */
  async entriesOn(account: string, date: string, now: Date): Promise<AccountEntry[]> {
    const rows = (await this.db<EntryRow>(ENTRIES)
      .where({ account, booking_date: date })
      .where('available_at', '<=', now)
      .orderBy('seq')) as EntryRow[];
    return rows.map(toEntry);
  }

  /** Per currency the account has ever had a visible entry in: its balance before `date` (signed). */
  async balancesBefore(account: string, date: string, now: Date): Promise<Map<string, bigint>> {
    const rows = (await this.db(ENTRIES)
      .select('currency')
      .select(
        this.db.raw(
          `coalesce(sum(case when booking_date < ? then (case when credit_debit = 'CRDT' then amount_minor else -amount_minor end) else 0 end), 0)::text as balance`,
          [date],
        ),
      )
      .where({ account })
      .where('available_at', '<=', now)
      .groupBy('currency')
      .orderBy('currency')) as Array<{ currency: string; balance: string }>;
    return new Map(rows.map((r) => [r.currency, BigInt(r.balance)]));
  }

  /** Days with entries (visible by `now`) before `today`, optionally of one account, newest first. */
  async closedDays(filter: {
    account?: string;
    today: string;
    now: Date;
    limit: number;
  }): Promise<Array<{ account: string; date: string; changedAt: string; exportedAt: string | null }>> {
    const query = this.db(DAYS)
      .where('booking_date', '<', filter.today)
      .where('changed_at', '<=', filter.now)
      .orderBy([
        { column: 'booking_date', order: 'desc' },
        { column: 'account', order: 'asc' },
      ])
      .limit(filter.limit);
    if (filter.account) query.where({ account: filter.account });
    const rows = (await query) as Array<{
      account: string;
      booking_date: string;
      changed_at: Date | string;
      exported_at: Date | string | null;
    }>;
    return rows.map((r) => ({
      account: r.account,
      date: r.booking_date,
      changedAt: new Date(r.changed_at).toISOString(),
      exportedAt: r.exported_at === null ? null : new Date(r.exported_at).toISOString(),
    }));
  }

  /** Folder mode: closed days not written out since they last changed, oldest first. */
  async unexportedDays(
    today: string,
    now: Date,
    limit: number,
  ): Promise<Array<{ account: string; date: string }>> {
    const rows = (await this.db(DAYS)
      .where('booking_date', '<', today)
      .where('changed_at', '<=', now)
      .where((q) => q.whereNull('exported_at').orWhereRaw('exported_at < changed_at'))
      .orderBy([
        { column: 'booking_date', order: 'asc' },
        { column: 'account', order: 'asc' },
      ])
      .limit(limit)) as Array<{ account: string; booking_date: string }>;
    return rows.map((r) => ({ account: r.account, date: r.booking_date }));
  }

  async markDayExported(account: string, date: string, at: Date): Promise<void> {
    await this.db(DAYS).where({ account, booking_date: date }).update({ exported_at: at });
  }

  /** A transfer booked from a file, by its EndToEndId, locked for the transaction (a return). */
  async transferForReturn(
    trx: Knex.Transaction,
    endToEndId: string,
  ): Promise<BookedFileTransfer | undefined> {
    const row = (await trx(`${LEDGER} as l`)
      .join(`${FILES} as f`, 'f.msg_id', 'l.file_msg_id')
      .select(
        'l.end_to_end_id',
        'l.amount_minor',
        'l.currency',
        'l.debtor_account',
        'l.booking_date',
        'l.file_msg_id',
        'l.pmt_inf_id',
        'f.channel',
      )
      .where('l.end_to_end_id', endToEndId)
      .whereNotNull('l.debtor_account')
      .forUpdate('l')
      .first()) as
      | {
          end_to_end_id: string;
          amount_minor: string | number;
          currency: string;
          debtor_account: string;
          booking_date: string;
          file_msg_id: string;
          pmt_inf_id: string | null;
          channel: FileChannel;
        }
      | undefined;
    if (!row) return undefined;
    return {
      endToEndId: row.end_to_end_id,
      amountMinor: BigInt(row.amount_minor),
      currency: row.currency,
      debtorAccount: row.debtor_account,
      bookingDate: row.booking_date,
      messageId: row.file_msg_id,
      paymentInformationId: row.pmt_inf_id,
      channel: row.channel,
    };
  }

  async returnOf(trx: Knex.Transaction, endToEndId: string): Promise<AccountEntry | undefined> {
    const row = (await trx(ENTRIES).where('kind', 'RETURN').where('end_to_end_id', endToEndId).first()) as
      EntryRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  async addNotification(
    trx: Knex.Transaction,
    notification: { messageId: string; account: string; channel: FileChannel; xml: string },
    availableAt: Date,
  ): Promise<string> {
    await trx.raw('select pg_advisory_xact_lock(?::int, 0)', [NOTIFICATION_LOCK_SPACE]);
    const id = randomUUID();
    await trx(NOTIFICATIONS).insert({
      id,
      message_id: notification.messageId,
      account: notification.account,
      channel: notification.channel,
      xml: notification.xml,
      // Never before the commit-time clock: a reader cannot have handed out a cursor beyond it.
      available_at: new Date(Math.max(availableAt.getTime(), Date.now())),
    });
    return id;
  }

  /** Available notices of a channel after a cursor, oldest first, with the cursor after the last. */
  listNotifications(
    channel: FileChannel,
    after: string | undefined,
    limit: number,
  ): Promise<{ notifications: StoredNotification[]; next: string | undefined }> {
    const cursor = decodeCursor(after);
    return this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock_shared(?::int, 0)', [NOTIFICATION_LOCK_SPACE]);
      const query = trx<NotificationRow>(NOTIFICATIONS)
        .select('seq', 'id', 'message_id', 'account', 'xml', 'available_at')
        .where('channel', channel)
        .where('available_at', '<=', new Date())
        .orderBy([
          { column: 'available_at', order: 'asc' },
          { column: 'seq', order: 'asc' },
        ])
        .limit(limit);
      if (cursor) query.whereRaw('(available_at, seq) > (?, ?)', [new Date(cursor.at), cursor.seq]);
      const rows = (await query) as NotificationRow[];
      const last = rows.at(-1);
      return {
        notifications: rows.map(toNotification),
        next: last
          ? encodeCursor({ at: new Date(last.available_at).getTime(), seq: Number(last.seq) })
          : after,
      };
    });
  }

  async notification(id: string): Promise<StoredNotification | undefined> {
    const row = (await this.db<NotificationRow>(NOTIFICATIONS).where({ id }).first()) as
      NotificationRow | undefined;
    return row ? toNotification(row) : undefined;
  }

  /** Folder mode: available notices not yet written out, oldest first. */
  async unexportedNotifications(channel: FileChannel, limit: number): Promise<StoredNotification[]> {
    const rows = (await this.db<NotificationRow>(NOTIFICATIONS)
      .where('channel', channel)
      .whereNull('exported_at')
      .where('available_at', '<=', new Date())
      .orderBy([
        { column: 'available_at', order: 'asc' },
        { column: 'seq', order: 'asc' },
      ])
      .limit(limit)) as NotificationRow[];
    return rows.map(toNotification);
  }

  async markNotificationExported(id: string): Promise<void> {
    await this.db(NOTIFICATIONS).where({ id }).update({ exported_at: new Date() });
  }
}

function toEntry(row: EntryRow): AccountEntry {
  const txs = typeof row.transactions === 'string' ? JSON.parse(row.transactions) : row.transactions;
  return {
    id: row.id,
    seq: Number(row.seq),
    kind: row.kind,
    account: row.account,
    currency: row.currency,
    bookingDate: row.booking_date,
    creditDebit: row.credit_debit,
    amountMinor: BigInt(row.amount_minor),
    messageId: row.msg_id,
    paymentInformationId: row.pmt_inf_id,
    transactions: (
      txs as Array<{ endToEndId: string; instructionId: string | null; amountMinor: string }>
    ).map((t) => ({
      endToEndId: t.endToEndId,
      instructionId: t.instructionId ?? null,
      amountMinor: BigInt(t.amountMinor),
    })),
    returnReason: row.return_reason as ReturnReason | null,
    bookedAt: new Date(row.booked_at),
  };
}

function toNotification(row: NotificationRow): StoredNotification {
  return { id: row.id, messageId: row.message_id, account: row.account, xml: row.xml };
}
