/**
 * The sandbox bank's statements against what was submitted, with no mock: pain.001 files built by
 * our builder go to the sandbox bank over HTTP (and through its folders), which books them on the
 * debtor's account; its end-of-day camt.053 statements and intraday camt.054 notices are checked
 * against the official XSDs with xmllint, read by our camt parser and compared with the files:
 * counts, sums, EndToEndIds, opening + entries = closing. Each discrepancy the bank can be told to
 * make (an entry missing, off by one, nobody ordered, booked twice, a (late) return, a balance
 * break) shows up once, where reconciliation will look for it.
 */
import { randomUUID } from 'node:crypto';
import { composeIBAN } from 'ibantools';
import type { Knex } from 'knex';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  balanceCheck,
  parseCamt053,
  parseCamt054,
  type CamtAccountReport,
  type CamtEntry,
} from '../src/infra/rails/iso20022/camt.parser';
import { buildPain001, type Pain001File } from '../src/infra/rails/iso20022/pain001.builder';
import { HttpBankFileTransport } from '../src/infra/rails/transport/http-bank-file.transport';
import { startBankFileFolder } from '../src/sandbox-bank/bank-file-folder.poller';
import { startBankStatementFolder } from '../src/sandbox-bank/bank-statement-folder.poller';
import { migrateSandboxBank } from '../src/sandbox-bank/sandbox-bank.migrations';
import {
  createSandboxBank,
  type BankFaults,
  type SandboxBank,
} from '../src/sandbox-bank/sandbox-bank.server';
import { UNORDERED_ENTRY_MINOR } from '../src/sandbox-bank/statement.desk';
import { openDatabase } from '../src/shared/db/knex-database';
import { iso20022Schemas, xmllint, xmllintAvailable, type Iso20022Schemas } from './support/iso20022-schemas';
import { describeUnavailable, describeWithPostgres } from './support/test-env';

const TITLE = 'sandbox bank statements (camt.053) and notices (camt.054) against the files submitted';

const CREDITOR_IBANS = ['DE89 3704 0044 0532 0130 00', 'NL91ABNA0417164300', 'IT60X0542811101000000123456'];
const CLOSED_IBAN = 'GB82 WEST 1234 5698 7654 32';
/** The bank's today in these tests: every booking day below is over. */
const TODAY = '2030-01-15';
const DAY = '2030-01-10';
const NEXT_DAY = '2030-01-11';

const STATEMENT_FAULTS: Partial<BankFaults> = {
  rejectNext: 0,
  batchBooking: true,
  omitNextEntry: 0,
  offByOneNextEntry: 0,
  unorderedNextEntry: 0,
  duplicateNextEntry: 0,
  returnNext: 0,
  returnReason: 'AC04',
  returnAfterDays: 0,
  lateReturnMs: 0,
  statementBalanceOffsetMinor: 0,
};

const uid = (): string => globalThis.crypto.randomUUID();
/** A debtor account of its own per test (a valid German IBAN): statements never mix tests. */
const freshDebtor = (): string =>
  composeIBAN({
    countryCode: 'DE',
    bban: `37040044${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`,
  })!;

function batch(
  debtorIban: string,
  opts: { n?: number; date?: string; batchBooking?: boolean; ibans?: string[]; currency?: string } = {},
): Pain001File {
  const file = buildPain001({
    debtor: { name: 'Alpes Partners SAS', iban: debtorIban, bic: 'COBADEFFXXX' },
    currency: opts.currency ?? 'EUR',
    requestedExecutionDate: opts.date ?? DAY,
    createdAt: '2030-01-09T06:00:00Z',
    transfers: Array.from({ length: opts.n ?? 3 }, (_, i) => ({
      paymentId: uid(),
      amountMinor: BigInt(10_000 + 101 * i),
      creditor: {
        name: `Creditor ${i + 1}`,
        account: { iban: opts.ibans?.[i] ?? CREDITOR_IBANS[i % CREDITOR_IBANS.length]! },
      },
      remittanceReference: `STMT-${i + 1}`,
    })),
  });
  if (opts.batchBooking === undefined) return file;
  // Our builder leaves booking to the bank; a sender may ask (BtchBookg comes right after PmtMtd).
  const xml = file.xml.replace(
    '<PmtMtd>TRF</PmtMtd>',
    `<PmtMtd>TRF</PmtMtd><BtchBookg>${opts.batchBooking}</BtchBookg>`,
  );
  expect(xml).not.toBe(file.xml);
  return { ...file, xml };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const endToEndIds = (entries: readonly CamtEntry[]): string[] =>
  entries.flatMap((e) => e.transactions.map((t) => t.endToEndId!));
const debitSum = (entries: readonly CamtEntry[]): bigint =>
  entries.reduce((s, e) => s + (e.creditDebit === 'DBIT' ? e.amountMinor : -e.amountMinor), 0n);

function suite(schemas: Iso20022Schemas, databaseUrl: string): void {
  let db: Knex;
  let bank: SandboxBank;
  let url: string;
  let transport: HttpBankFileTransport;
  let dir: string;
  let today = TODAY;
  let cursor: string | null = null;
  const notices: Array<{ id: string; account: string; report: CamtAccountReport[] }> = [];

  const validate = (schema: string, xml: string, what: string): void => {
    const file = join(dir, `${what}-${uid()}.xml`);
    writeFileSync(file, xml);
    const { valid, output } = xmllint(schema, file);
    if (!valid) throw new Error(`xmllint refused the bank's ${what}:\n${output}`);
  };
  const setFaults = async (faults: Partial<BankFaults>): Promise<void> => {
    const res = await fetch(`${url}/admin/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    expect(res.status).toBe(200);
  };
  const submit = async (file: Pain001File): Promise<void> => {
    expect((await transport.submit({ msgId: file.messageId, xml: file.xml })).kind).toBe('accepted');
  };
  /** The day's statement, valid against the camt.053 XSD, read by our parser: its one Stmt (one currency). */
  const statement = async (account: string, date: string) => {
    const res = await fetch(`${url}/statements?account=${account}&date=${date}`);
    const xml = await res.text();
    if (res.status !== 200) throw new Error(`GET /statements ${res.status}: ${xml}`);
    validate(schemas.camt053, xml, 'camt053');
    const parsed = parseCamt053(xml);
    expect(parsed.messageId).toBe(res.headers.get('x-message-id'));
    expect(parsed.statements).toHaveLength(1);
    const stmt = parsed.statements[0]!;
    expect(stmt.account).toEqual({ id: account, isIban: true, currency: 'EUR' });
    return { xml, stmt, messageId: parsed.messageId };
  };
  /** Every notice listed so far (each valid against the camt.054 XSD), read from the cursor on. */
  const pullNotices = async (): Promise<void> => {
    for (;;) {
      const res = await fetch(`${url}/notifications?limit=50${cursor ? `&after=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        notifications: Array<{ id: string; account: string; messageId: string }>;
        next: string | null;
      };
      cursor = page.next;
      for (const n of page.notifications) {
        const xml = await (await fetch(`${url}/notifications/${n.id}`)).text();
        validate(schemas.camt054, xml, 'camt054');
        const parsed = parseCamt054(xml);
        expect(parsed.messageId).toBe(n.messageId);
        notices.push({ id: n.id, account: n.account, report: parsed.notifications });
      }
      if (page.notifications.length === 0) return;
    }
  };
  const noticedEntries = async (account: string): Promise<CamtEntry[]> => {
    await pullNotices();
    return notices.filter((n) => n.account === account).flatMap((n) => n.report.flatMap((r) => r.entries));
  };
  /** What every statement must be: balanced, and each entry booked on its day. */
  const expectConsistent = (stmt: CamtAccountReport, date: string): void => {
    expect(balanceCheck(stmt).balanced).toBe(true);
    expect(stmt.openingBalance!.date).toBe(date);
    for (const e of stmt.entries) expect([e.status, e.bookingDate]).toEqual(['BOOK', date]);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-camt-'));
    db = openDatabase({ kind: 'postgres', url: databaseUrl });
    await migrateSandboxBank(db);
    bank = createSandboxBank({
      db,
      files: { pain001Xsd: schemas.pain001, closedAccounts: [CLOSED_IBAN] },
      clock: () => new Date(`${today}T12:00:00Z`),
    });
    url = await bank.start(0, '127.0.0.1');
    transport = new HttpBankFileTransport({ baseUrl: url, timeoutMs: 5_000 });
  });
  afterEach(async () => {
    today = TODAY;
    await setFaults(STATEMENT_FAULTS);
  });
  afterAll(async () => {
    await bank?.stop();
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a file booked as one batch entry: its MsgId, PmtInfId, count, sum and EndToEndIds; opening + entries = closing', async () => {
    const debtor = freshDebtor();
    const file = batch(debtor, { n: 3 });
    await submit(file);

    const { stmt, xml, messageId } = await statement(debtor, DAY);
    expectConsistent(stmt, DAY);
    expect(stmt.entries).toHaveLength(1);
    const [entry] = stmt.entries;
    expect(entry).toMatchObject({
      creditDebit: 'DBIT',
      amountMinor: file.controlSumMinor,
      bankTransactionCode: 'PMNT/ICDT/ESCT',
      batch: {
        messageId: file.messageId,
        paymentInformationId: file.paymentInformationId,
        numberOfTransactions: 3,
        totalAmountMinor: file.controlSumMinor,
        creditDebit: 'DBIT',
      },
    });
    expect(entry!.transactions.map((t) => [t.paymentId, t.endToEndId, t.amountMinor])).toEqual(
      file.transactions.map((t) => [t.paymentId, t.endToEndId, t.amountMinor]),
    );
    expect(stmt.openingBalance!.amountMinor).toBe(0n);
    expect(stmt.closingBalance!.amountMinor).toBe(-file.controlSumMinor);

    // The same statement asked again is the same document (same MsgId: importing it twice is a no-op).
    expect((await statement(debtor, DAY)).xml).toBe(xml);
    expect((await statement(debtor, DAY)).messageId).toBe(messageId);

    // The next day opens where this one closed, with nothing booked.
    const next = (await statement(debtor, NEXT_DAY)).stmt;
    expectConsistent(next, NEXT_DAY);
    expect(next.entries).toEqual([]);
    expect(next.openingBalance!.amountMinor).toBe(-file.controlSumMinor);
    expect(next.closingBalance!.amountMinor).toBe(-file.controlSumMinor);

    // The intraday notice told the same at once.
    const noticed = await noticedEntries(debtor);
    expect(noticed).toHaveLength(1);
    expect(noticed[0]).toMatchObject({
      amountMinor: file.controlSumMinor,
      batch: { paymentInformationId: file.paymentInformationId },
    });
    expect(endToEndIds(noticed)).toEqual(file.transactions.map((t) => t.endToEndId));
  });

  it('transfers booked one by one (the file asks, or the bank does by default); rejected ones never reach the statement', async () => {
    const debtor = freshDebtor();
    // The file asks for single bookings; its second transfer goes to an account the bank knows as closed.
    const single = batch(debtor, {
      n: 3,
      batchBooking: false,
      ibans: [CREDITOR_IBANS[0]!, CLOSED_IBAN, CREDITOR_IBANS[1]!],
    });
    await submit(single);
    // The bank books one per transfer when a file does not say and its default says so.
    await setFaults({ batchBooking: false });
    const byDefault = batch(debtor, { n: 2 });
    await submit(byDefault);
    // And a batch again, the same day: entries add up across files.
    await setFaults({ batchBooking: true });
    const batched = batch(debtor, { n: 2 });
    await submit(batched);

    const { stmt } = await statement(debtor, DAY);
    expectConsistent(stmt, DAY);
    const paid = [single.transactions[0]!, single.transactions[2]!, ...byDefault.transactions];
    const singles = stmt.entries.filter((e) => e.batch === null);
    expect(singles.map((e) => [e.transactions[0]!.endToEndId, e.amountMinor])).toEqual(
      paid.map((t) => [t.endToEndId, t.amountMinor]),
    );
    for (const e of singles) expect(e.transactions).toHaveLength(1);
    expect(singles[0]!.transactions[0]!.paymentInformationId).toBe(single.paymentInformationId);
    expect(endToEndIds(stmt.entries)).not.toContain(single.transactions[1]!.endToEndId);
    const batches = stmt.entries.filter((e) => e.batch !== null);
    expect(
      batches.map((e) => [e.batch!.paymentInformationId, e.batch!.numberOfTransactions, e.amountMinor]),
    ).toEqual([[batched.paymentInformationId, 2, batched.controlSumMinor]]);
    const expected = paid.reduce((s, t) => s + t.amountMinor, 0n) + batched.controlSumMinor;
    expect(debitSum(stmt.entries)).toBe(expected);
    expect(stmt.closingBalance!.amountMinor).toBe(-expected);

    const noticed = await noticedEntries(debtor);
    expect(noticed).toHaveLength(stmt.entries.length);
    expect(debitSum(noticed)).toBe(expected);
  });

  it('an entry missing: the transfer was paid (ledger, pain.002) but is not on the statement', async () => {
    const debtor = freshDebtor();
    await setFaults({ batchBooking: false, omitNextEntry: 1 });
    const file = batch(debtor, { n: 3 });
    await submit(file);
    const { stmt } = await statement(debtor, DAY);
    expectConsistent(stmt, DAY);
    const [missing, ...kept] = file.transactions;
    expect(endToEndIds(stmt.entries)).toEqual(kept.map((t) => t.endToEndId));
    const ledger = (await (await fetch(`${url}/ledger?paymentId=${missing!.endToEndId}`)).json()) as {
      entries: unknown[];
    };
    expect(ledger.entries).toHaveLength(1);
    expect(endToEndIds(await noticedEntries(debtor))).toEqual(kept.map((t) => t.endToEndId));
  });

  it('an amount off by one minor unit: the statement says one more than was paid, and still adds up', async () => {
    const debtor = freshDebtor();
    await setFaults({ offByOneNextEntry: 1 });
    const file = batch(debtor, { n: 2 });
    await submit(file);
    const { stmt } = await statement(debtor, DAY);
    expectConsistent(stmt, DAY);
    const [entry] = stmt.entries;
    expect(entry!.amountMinor).toBe(file.controlSumMinor + 1n);
    expect(entry!.batch!.totalAmountMinor).toBe(file.controlSumMinor + 1n);
    expect(entry!.transactions.map((t) => t.amountMinor)).toEqual([
      file.transactions[0]!.amountMinor + 1n,
      file.transactions[1]!.amountMinor,
    ]);
  });

  it('an entry nobody ordered: a debit whose EndToEndId is in no file', async () => {
    const debtor = freshDebtor();
    await setFaults({ unorderedNextEntry: 1 });
    const file = batch(debtor, { n: 2 });
    await submit(file);
    const { stmt } = await statement(debtor, DAY);
    expectConsistent(stmt, DAY);
    expect(stmt.entries).toHaveLength(2);
    const unordered = stmt.entries.find((e) => e.batch === null)!;
    expect(unordered).toMatchObject({ creditDebit: 'DBIT', amountMinor: UNORDERED_ENTRY_MINOR });
    expect(file.transactions.map((t) => t.endToEndId)).not.toContain(unordered.transactions[0]!.endToEndId);
    expect(unordered.transactions[0]!.paymentInformationId).toBeNull();
    expect(debitSum(stmt.entries)).toBe(file.controlSumMinor + UNORDERED_ENTRY_MINOR);
  });

  it('a duplicate booking: the same batch twice on the statement, the money taken twice', async () => {
    const debtor = freshDebtor();
    await setFaults({ duplicateNextEntry: 1 });
    const file = batch(debtor, { n: 2 });
    await submit(file);
    const { stmt } = await statement(debtor, DAY);
    expectConsistent(stmt, DAY);
    expect(stmt.entries.map((e) => e.batch!.paymentInformationId)).toEqual([
      file.paymentInformationId,
      file.paymentInformationId,
    ]);
    expect(stmt.entries[0]!.accountServicerReference).not.toBe(stmt.entries[1]!.accountServicerReference);
    expect(stmt.closingBalance!.amountMinor).toBe(-2n * file.controlSumMinor);
  });

  it('a late return: a credit with the original EndToEndId and AC06, days later, told only after a delay', async () => {
    const debtor = freshDebtor();
    await setFaults({ returnNext: 1, returnReason: 'AC06', returnAfterDays: 2, lateReturnMs: 1_500 });
    const file = batch(debtor, { n: 2 });
    await submit(file);
    const returned = file.transactions[0]!;
    const returnDay = '2030-01-12';

    // Not yet: neither the notices nor the return day's statement know it.
    expect((await noticedEntries(debtor)).filter((e) => e.isReturn)).toEqual([]);
    expect((await statement(debtor, returnDay)).stmt.entries).toEqual([]);

    const [notice] = await waitFor('the return notice', async () => {
      const found = (await noticedEntries(debtor)).filter((e) => e.isReturn);
      return found.length > 0 ? found : undefined;
    });
    expect(notice).toMatchObject({
      creditDebit: 'CRDT',
      amountMinor: returned.amountMinor,
      bookingDate: returnDay,
    });
    expect(notice!.transactions[0]).toMatchObject({
      endToEndId: returned.endToEndId,
      paymentId: returned.paymentId,
      paymentInformationId: file.paymentInformationId,
      return: { code: 'AC06' },
    });

    const { stmt } = await statement(debtor, returnDay);
    expectConsistent(stmt, returnDay);
    expect(stmt.entries).toHaveLength(1);
    expect(stmt.entries[0]).toMatchObject({
      creditDebit: 'CRDT',
      isReturn: true,
      bankTransactionCode: 'PMNT/ICDT/RRTN',
    });
    expect(stmt.openingBalance!.amountMinor).toBe(-file.controlSumMinor);
    expect(stmt.closingBalance!.amountMinor).toBe(-file.controlSumMinor + returned.amountMinor);
    // The booking day's own statement is unchanged: the batch, whole.
    expect((await statement(debtor, DAY)).stmt.entries.map((e) => e.amountMinor)).toEqual([
      file.controlSumMinor,
    ]);
  });

  it('a return of a given EndToEndId (POST /admin/returns), once; an unknown one is 404', async () => {
    const debtor = freshDebtor();
    const file = batch(debtor, { n: 2 });
    await submit(file);
    const target = file.transactions[1]!;
    const post = (body: unknown) =>
      fetch(`${url}/admin/returns`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const res = await post({ endToEndId: target.endToEndId, reason: 'MD07', afterDays: 1 });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      endToEndId: target.endToEndId,
      reason: 'MD07',
      bookingDate: NEXT_DAY,
      amountMinor: Number(target.amountMinor),
      currency: 'EUR',
    });
    expect((await post({ endToEndId: target.endToEndId, reason: 'AC04' })).status).toBe(409);
    const unknown = await post({ endToEndId: uid().replace(/-/g, ''), reason: 'AC04' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'TRANSFER_NOT_FOUND' });
    expect((await post({ endToEndId: target.endToEndId, reason: 'XX99' })).status).toBe(400);

    const { stmt } = await statement(debtor, NEXT_DAY);
    expectConsistent(stmt, NEXT_DAY);
    expect(stmt.entries).toHaveLength(1);
    expect(stmt.entries[0]!.transactions[0]).toMatchObject({
      endToEndId: target.endToEndId,
      amountMinor: target.amountMinor,
      return: { code: 'MD07', additionalInformation: ['End customer deceased'] },
    });
    const returns = (await noticedEntries(debtor)).filter((e) => e.isReturn);
    expect(returns.map((e) => e.transactions[0]!.endToEndId)).toEqual([target.endToEndId]);
  });

  it('a balance break: the closing balance off by the amount set, on every statement served while set', async () => {
    const debtor = freshDebtor();
    const file = batch(debtor, { n: 1 });
    await submit(file);
    const before = await statement(debtor, DAY);
    await setFaults({ statementBalanceOffsetMinor: -7 });
    const broken = await statement(debtor, DAY);
    expect(balanceCheck(broken.stmt)).toMatchObject({ balanced: false, differenceMinor: -7n });
    expect(broken.messageId).not.toBe(before.messageId);
    await setFaults({ statementBalanceOffsetMinor: 0 });
    expect((await statement(debtor, DAY)).xml).toBe(before.xml);
  });

  it('a day not over has no statement yet (409), an unknown account is 404, a bad query 400', async () => {
    const debtor = freshDebtor();
    await submit(batch(debtor, { n: 1 }));
    today = DAY;
    const early = await fetch(`${url}/statements?account=${debtor}&date=${DAY}`);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ code: 'DAY_NOT_CLOSED', today: DAY });
    today = TODAY;
    expect((await fetch(`${url}/statements?account=${debtor}&date=${DAY}`)).status).toBe(200);
    const unknown = await fetch(`${url}/statements?account=${freshDebtor()}&date=${DAY}`);
    expect(unknown.status).toBe(404);
    expect((await fetch(`${url}/statements?account=${debtor}&date=10-01-2030`)).status).toBe(400);
    const badCursor = await fetch(`${url}/notifications?after=nonsense`);
    expect(badCursor.status).toBe(400);
    expect(await badCursor.json()).toMatchObject({ code: 'BAD_CURSOR' });
    expect(await (await fetch(`${url}/reports?after=nonsense`)).json()).toMatchObject({ code: 'BAD_CURSOR' });
    for (const [path, code] of [
      ['notifications', 'NOTIFICATION_NOT_FOUND'],
      ['reports', 'REPORT_NOT_FOUND'],
    ]) {
      for (const id of ['not-a-uuid', randomUUID()]) {
        const res = await fetch(`${url}/${path}/${id}`);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ code });
      }
    }
    const days = (await (await fetch(`${url}/statements/days?account=${debtor}`)).json()) as {
      days: Array<{ date: string; href: string }>;
    };
    expect(days.days.map((d) => d.date)).toEqual([DAY]);
    expect((await fetch(`${url}${days.days[0]!.href}`)).status).toBe(200);
  });

  it('folder mode: notices of inbox files and statements of closed days land in the statement folder, valid', async () => {
    const debtor = freshDebtor();
    const inbox = join(dir, 'inbox');
    const outbox = join(dir, 'reports');
    const camt = join(dir, 'camt');
    const files = await startBankFileFolder({
      desk: bank.files,
      inbox,
      outbox,
      pollMs: 60_000,
      logger: console,
    });
    const statements = await startBankStatementFolder({
      desk: bank.statements,
      outbox: camt,
      pollMs: 60_000,
      logger: { ...console, info: () => undefined },
    });
    try {
      const file = batch(debtor, { n: 2 });
      writeFileSync(join(inbox, `${file.messageId}.xml`), file.xml);
      await files.pollOnce();
      await statements.pollOnce();
      const written = readdirSync(camt).filter((n) => n.endsWith('.xml'));
      const notice = written.filter((n) => n.includes('-camt054-'));
      const stmts = written.filter((n) => n.includes('-camt053-'));
      expect(notice).toHaveLength(1);
      const noticeXml = readFileSync(join(camt, notice[0]!), 'utf8');
      validate(schemas.camt054, noticeXml, 'camt054');
      expect(endToEndIds(parseCamt054(noticeXml).notifications[0]!.entries)).toEqual(
        file.transactions.map((t) => t.endToEndId),
      );
      // The reports' outbox holds status reports only (its reader takes every file there for one).
      expect(
        readdirSync(outbox)
          .filter((n) => n.endsWith('.xml'))
          .every((n) => !n.includes('camt')),
      ).toBe(true);
      const mine = stmts
        .filter((n) => n.includes(`-camt053-${DAY}-`))
        .map((n) => readFileSync(join(camt, n), 'utf8'))
        .map((xml) => {
          validate(schemas.camt053, xml, 'camt053');
          return parseCamt053(xml).statements[0]!;
        })
        .filter((s) => s.account.id === debtor);
      expect(mine).toHaveLength(1);
      expectConsistent(mine[0]!, DAY);
      expect(mine[0]!.entries[0]!.batch!.paymentInformationId).toBe(file.paymentInformationId);
      // Written once: a second pass has nothing new for that day.
      await statements.pollOnce();
      expect(
        readdirSync(camt).filter((n) => n.endsWith('.xml') && n.includes(`-camt053-${DAY}-`)),
      ).toHaveLength(stmts.filter((n) => n.includes(`-camt053-${DAY}-`)).length);
    } finally {
      await statements.stop();
      await files.stop();
    }
  });
}

const found = iso20022Schemas();
if ('schemas' in found && xmllintAvailable()) {
  describeWithPostgres(TITLE, (databaseUrl) => suite(found.schemas, databaseUrl));
} else {
  const missing =
    'missing' in found ? found.missing : 'xmllint (apt-get install libxml2-utils, or `make xmllint`)';
  console.warn(`\n!!! ${TITLE}: SKIPPED, no ${missing} !!!\n`);
  describeUnavailable(TITLE, missing, () => {
    it('needs the XSDs, xmllint and PostgreSQL', () => undefined);
  });
}
