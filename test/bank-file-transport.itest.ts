/**
 * Bank files end to end, with no mock: pain.001 files built by our builder travel to the sandbox
 * bank over HTTP (host-to-host) and through folders; the bank checks them against the official XSD
 * with xmllint, books them in its PostgreSQL ledger and answers with pain.002 reports, which are
 * checked against their XSD and read back by our parser. Faults: rejected transfers, a lost file,
 * a late report, a duplicate report.
 */
import type { Knex } from 'knex';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDomainError } from '../src/domain/domain-error';
import { buildPain001, type Pain001File } from '../src/infra/rails/iso20022/pain001.builder';
import { parsePain002, type PaymentStatusReport } from '../src/infra/rails/iso20022/pain002.parser';
import { TransientTransportError } from '../src/infra/rails/transport/bank-file-transport.errors';
import { FolderBankFileTransport } from '../src/infra/rails/transport/folder-bank-file.transport';
import { HttpBankFileTransport } from '../src/infra/rails/transport/http-bank-file.transport';
import type { BankFileTransport } from '../src/ports/bank-file-transport.port';
import { startBankFileFolder, type BankFileFolder } from '../src/sandbox-bank/bank-file-folder.poller';
import { migrateSandboxBank } from '../src/sandbox-bank/sandbox-bank.migrations';
import { createSandboxBank, type SandboxBank } from '../src/sandbox-bank/sandbox-bank.server';
import { openDatabase } from '../src/shared/db/knex-database';
import { iso20022Schemas, xmllint, xmllintAvailable, type Iso20022Schemas } from './support/iso20022-schemas';
import { describeUnavailable, describeWithPostgres } from './support/test-env';

const TITLE = 'bank-file transport to the sandbox bank (pain.001 in, pain.002 out)';

const DEBTOR = { name: 'Alpes Partners SAS', iban: 'FR14 2004 1010 0505 0001 3M02 606', bic: 'PSSTFRPPPAR' };
const CREDITOR_IBANS = ['DE89 3704 0044 0532 0130 00', 'NL91ABNA0417164300', 'IT60X0542811101000000123456'];
/** An account the bank is told is closed (valid IBAN, so the builder takes it). */
const CLOSED_IBAN = 'GB82 WEST 1234 5698 7654 32';

const NO_FILE_FAULTS = {
  rejectNext: 0,
  rejectReason: 'AC04' as const,
  loseNextFile: 0,
  lateReportMs: 0,
  duplicateNextReport: 0,
};

const uid = (): string => globalThis.crypto.randomUUID();
const e2e = (paymentId: string): string => paymentId.replace(/-/g, '');

/** A pain.001 of `n` fresh payments (or the given ones), 100.00 EUR + 1.00 EUR per position. */
function batch(
  opts: { n?: number; paymentIds?: string[]; date?: string; ibans?: string[] } = {},
): Pain001File {
  const ids = opts.paymentIds ?? Array.from({ length: opts.n ?? 3 }, uid);
  return buildPain001({
    debtor: DEBTOR,
    currency: 'EUR',
    requestedExecutionDate: opts.date ?? '2026-12-07',
    createdAt: '2026-12-06T06:00:00Z',
    serviceLevel: 'SEPA',
    transfers: ids.map((paymentId, i) => ({
      paymentId,
      amountMinor: BigInt(10_000 + 100 * i),
      creditor: {
        name: `Creditor ${i + 1}`,
        account: { iban: opts.ibans?.[i] ?? CREDITOR_IBANS[i % CREDITOR_IBANS.length]! },
      },
      remittanceReference: `STMT-${i + 1}`,
    })),
  });
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

/** Every report a transport has delivered, by the MsgId of the file it answers, read from a cursor on. */
function reportReader(transport: BankFileTransport) {
  let cursor: string | null = null;
  const seen = new Map<string, Array<{ id: string; xml: string; parsed: PaymentStatusReport }>>();
  const pull = async (): Promise<void> => {
    for (;;) {
      const batch = await transport.fetchReports(cursor);
      cursor = batch.cursor;
      for (const r of batch.reports) {
        const parsed = parsePain002(r.xml);
        const list = seen.get(parsed.originalMessageId) ?? [];
        list.push({ ...r, parsed });
        seen.set(parsed.originalMessageId, list);
      }
      if (batch.reports.length === 0) return;
    }
  };
  return {
    pull,
    /** The reports for a file once there are `count` of them. */
    async waitFor(msgId: string, count = 1, timeoutMs?: number) {
      return waitFor(
        `${count} report(s) for ${msgId}`,
        async () => {
          await pull();
          const list = seen.get(msgId) ?? [];
          return list.length >= count ? list : undefined;
        },
        timeoutMs,
      );
    },
    async now(msgId: string) {
      await pull();
      return seen.get(msgId) ?? [];
    },
  };
}

function suite(schemas: Iso20022Schemas, databaseUrl: string): void {
  let db: Knex;
  let bank: SandboxBank;
  let url: string;
  let transport: HttpBankFileTransport;
  let reports: ReturnType<typeof reportReader>;
  let dir: string;

  const ledger = async (endToEndId: string): Promise<any[]> => {
    const res = await fetch(`${url}/ledger?paymentId=${endToEndId}`);
    return ((await res.json()) as { entries: any[] }).entries;
  };
  const setFaults = async (faults: Record<string, unknown>): Promise<void> => {
    const res = await fetch(`${url}/admin/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    expect(res.status).toBe(200);
  };
  /** Fails with xmllint's own words unless the report is a valid pain.002.001.11. */
  const expectValidReport = (xml: string): void => {
    const file = join(dir, `report-${uid()}.xml`);
    writeFileSync(file, xml);
    const { valid, output } = xmllint(schemas.pain002, file);
    if (!valid) throw new Error(`xmllint refused the bank's report:\n${output}`);
  };
  const statuses = (report: PaymentStatusReport) =>
    report.transactions.map((t) => [t.paymentId, t.status, t.reasons.map((r) => r.code)]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-bank-files-'));
    db = openDatabase({ kind: 'postgres', url: databaseUrl });
    await migrateSandboxBank(db);
    bank = createSandboxBank({ db, files: { pain001Xsd: schemas.pain001, closedAccounts: [CLOSED_IBAN] } });
    url = await bank.start(0, '127.0.0.1');
    transport = new HttpBankFileTransport({ baseUrl: url, timeoutMs: 5_000 });
    reports = reportReader(transport);
  });
  afterEach(() => bank.setFaults(NO_FILE_FAULTS));
  afterAll(async () => {
    await bank?.stop();
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a pain.001 is accepted, booked once, and answered by a valid pain.002 (ACCP) naming its payments', async () => {
    const file = batch({ n: 3 });
    const submitted = await transport.submit({ msgId: file.messageId, xml: file.xml });
    expect(submitted).toEqual({ kind: 'accepted', msgId: file.messageId, fileId: expect.any(String) });

    const [report] = await reports.waitFor(file.messageId);
    expectValidReport(report!.xml);
    expect(report!.parsed).toMatchObject({
      originalMessageId: file.messageId,
      originalMessageNameId: 'pain.001.001.10',
      originalNumberOfTransactions: 3,
      groupStatus: 'ACCP',
    });
    expect(statuses(report!.parsed)).toEqual(file.transactions.map((t) => [t.paymentId, 'ACCP', []]));

    for (const tx of file.transactions) {
      expect(await ledger(tx.endToEndId)).toEqual([
        expect.objectContaining({
          kind: 'PAYOUT',
          amountMinor: Number(tx.amountMinor),
          currency: 'EUR',
          endToEndId: tx.endToEndId,
          account: expect.stringMatching(/^\*\*\*\*/),
        }),
      ]);
    }
  });

  it('the same file twice is refused as a duplicate (also by a restarted bank): ledger and reports unchanged', async () => {
    const file = batch({ n: 2 });
    expect((await transport.submit({ msgId: file.messageId, xml: file.xml })).kind).toBe('accepted');
    await reports.waitFor(file.messageId);

    const again = await transport.submit({ msgId: file.messageId, xml: file.xml });
    expect(again).toEqual({
      kind: 'duplicate',
      msgId: file.messageId,
      detail: expect.stringContaining(file.messageId),
    });

    // Another bank process on the same database remembers the MsgId.
    const restarted = createSandboxBank({ db, files: { pain001Xsd: schemas.pain001 } });
    const restartedUrl = await restarted.start(0, '127.0.0.1');
    try {
      const viaRestarted = new HttpBankFileTransport({ baseUrl: restartedUrl, timeoutMs: 5_000 });
      expect((await viaRestarted.submit({ msgId: file.messageId, xml: file.xml })).kind).toBe('duplicate');
    } finally {
      await restarted.stop();
    }

    for (const tx of file.transactions) expect(await ledger(tx.endToEndId)).toHaveLength(1);
    expect(await reports.now(file.messageId)).toHaveLength(1);
  });

  it('a transfer named again by another file is not booked twice: RJCT AM05 in the second report', async () => {
    const first = batch({ n: 2 });
    await transport.submit({ msgId: first.messageId, xml: first.xml });
    await reports.waitFor(first.messageId);
    const repeated = first.transactions[0]!.paymentId;
    const fresh = uid();
    // Another execution date: another MsgId, so the bank takes the file in.
    const second = batch({ paymentIds: [repeated, fresh], date: '2026-12-08' });
    expect(second.messageId).not.toBe(first.messageId);
    expect((await transport.submit({ msgId: second.messageId, xml: second.xml })).kind).toBe('accepted');

    const [report] = await reports.waitFor(second.messageId);
    expectValidReport(report!.xml);
    expect(report!.parsed.groupStatus).toBe('PART');
    expect(statuses(report!.parsed)).toEqual([
      [repeated, 'RJCT', ['AM05']],
      [fresh, 'ACCP', []],
    ]);
    expect(await ledger(e2e(repeated))).toHaveLength(1);
    expect(await ledger(e2e(fresh))).toHaveLength(1);
  });

  it('a malformed file is refused whole with the reason, nothing booked; the fixed file then goes through', async () => {
    const file = batch({ n: 2 });
    const withoutDebtor = file.xml.replace(/\s*<Dbtr>[\s\S]*?<\/Dbtr>/, '');
    expect(withoutDebtor).not.toBe(file.xml);
    const refused = await transport.submit({ msgId: file.messageId, xml: withoutDebtor }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDomainError(refused)).toBe(true);
    expect(refused).toMatchObject({
      code: 'BANK_FILE.FILE_REFUSED',
      details: { status: 422, bankCode: 'MALFORMED_FILE' },
    });
    expect((refused as Error).message).toMatch(/DbtrAcct.*not expected.*Dbtr/);

    // Not XML at all, and a file whose own count is wrong: refused the same way.
    for (const xml of ['not xml', file.xml.replace('<NbOfTxs>2</NbOfTxs>', '<NbOfTxs>3</NbOfTxs>')]) {
      await expect(transport.submit({ msgId: file.messageId, xml })).rejects.toMatchObject({
        code: 'BANK_FILE.FILE_REFUSED',
      });
    }
    for (const tx of file.transactions) expect(await ledger(tx.endToEndId)).toEqual([]);
    expect(await reports.now(file.messageId)).toEqual([]);

    // A refusal does not use the MsgId up.
    expect((await transport.submit({ msgId: file.messageId, xml: file.xml })).kind).toBe('accepted');
    await reports.waitFor(file.messageId);
  });

  it('rejectNext 2 with AC04: those two transfers are RJCT AC04, the rest booked; a closed account is AC04 too', async () => {
    await setFaults({ rejectNext: 2, rejectReason: 'AC04' });
    const file = batch({
      n: 4,
      ibans: [CREDITOR_IBANS[0]!, CREDITOR_IBANS[1]!, CREDITOR_IBANS[2]!, CLOSED_IBAN],
    });
    await transport.submit({ msgId: file.messageId, xml: file.xml });
    const [report] = await reports.waitFor(file.messageId);
    expectValidReport(report!.xml);
    const [a, b, c, d] = file.transactions.map((t) => t.paymentId);
    expect(report!.parsed.groupStatus).toBe('PART');
    expect(statuses(report!.parsed)).toEqual([
      [a, 'RJCT', ['AC04']],
      [b, 'RJCT', ['AC04']],
      [c, 'ACCP', []],
      [d, 'RJCT', ['AC04']],
    ]);
    expect(bank.getFaults().rejectNext).toBe(0);
    const booked = await Promise.all(file.transactions.map(async (t) => (await ledger(t.endToEndId)).length));
    expect(booked).toEqual([0, 0, 1, 0]);

    // Another reason, for a whole file: the group is RJCT.
    await setFaults({ rejectNext: 1, rejectReason: 'AM04' });
    const poor = batch({ n: 1 });
    await transport.submit({ msgId: poor.messageId, xml: poor.xml });
    const [rejected] = await reports.waitFor(poor.messageId);
    expect(rejected!.parsed.groupStatus).toBe('RJCT');
    expect(statuses(rejected!.parsed)).toEqual([[poor.transactions[0]!.paymentId, 'RJCT', ['AM04']]]);
  });

  it('faults: a lost file (received, never booked or reported), a late report, a duplicate report', async () => {
    // Lost: 202, then nothing; the bank never knew it, so the same file can be sent again.
    await setFaults({ loseNextFile: 1 });
    const lost = batch({ n: 1 });
    expect((await transport.submit({ msgId: lost.messageId, xml: lost.xml })).kind).toBe('accepted');
    await sleep(500);
    expect(await reports.now(lost.messageId)).toEqual([]);
    expect(await ledger(lost.transactions[0]!.endToEndId)).toEqual([]);
    expect((await transport.submit({ msgId: lost.messageId, xml: lost.xml })).kind).toBe('accepted');
    await reports.waitFor(lost.messageId);

    // Late: booked at once, reported only after lateReportMs.
    await setFaults({ lateReportMs: 1_500 });
    const late = batch({ n: 1 });
    const sentAt = Date.now();
    await transport.submit({ msgId: late.messageId, xml: late.xml });
    await setFaults({ lateReportMs: 0 });
    expect(await ledger(late.transactions[0]!.endToEndId)).toHaveLength(1);
    expect(await reports.now(late.messageId)).toEqual([]);
    // A file sent after it, reported at once, does not hold the late one back from the cursor.
    const onTime = batch({ n: 1 });
    await transport.submit({ msgId: onTime.messageId, xml: onTime.xml });
    await reports.waitFor(onTime.messageId);
    expect(await reports.now(late.messageId)).toEqual([]);
    await reports.waitFor(late.messageId);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_400);

    // Duplicate: two deliveries (two ids) of one report (one MsgId).
    await setFaults({ duplicateNextReport: 1 });
    const twice = batch({ n: 1 });
    await transport.submit({ msgId: twice.messageId, xml: twice.xml });
    const both = await reports.waitFor(twice.messageId, 2);
    expect(both).toHaveLength(2);
    expect(both[0]!.id).not.toBe(both[1]!.id);
    expect(both[0]!.parsed.messageId).toBe(both[1]!.parsed.messageId);
    expect(await ledger(twice.transactions[0]!.endToEndId)).toHaveLength(1);
  });

  it('an unreachable bank is a transient error; a bad cursor is refused', async () => {
    const nowhere = new HttpBankFileTransport({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 1_000 });
    const file = batch({ n: 1 });
    await expect(nowhere.submit({ msgId: file.messageId, xml: file.xml })).rejects.toBeInstanceOf(
      TransientTransportError,
    );
    await expect(nowhere.fetchReports(null)).rejects.toBeInstanceOf(TransientTransportError);
    expect((await fetch(`${url}/reports?after=garbage`)).status).toBe(400);
  });

  describe('over folders (host-to-host)', () => {
    let bankInbox: string;
    let bankOutbox: string;
    let folder: BankFileFolder;
    let ours: FolderBankFileTransport;
    let folderReports: ReturnType<typeof reportReader>;

    beforeAll(async () => {
      bankInbox = join(dir, 'bank-in');
      bankOutbox = join(dir, 'bank-out');
      const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
      folder = await startBankFileFolder({
        desk: bank.files,
        inbox: bankInbox,
        outbox: bankOutbox,
        pollMs: 100,
        logger: quiet,
      });
      ours = new FolderBankFileTransport({ outbox: bankInbox, inbox: bankOutbox });
      folderReports = reportReader(ours);
    });
    afterAll(() => folder?.stop());

    it('a file goes out, is booked, and its pain.002 comes back; the same MsgId is never written twice', async () => {
      const file = batch({ n: 2 });
      expect(await ours.submit({ msgId: file.messageId, xml: file.xml })).toEqual({
        kind: 'accepted',
        msgId: file.messageId,
        fileId: null,
      });
      const [report] = await folderReports.waitFor(file.messageId);
      expectValidReport(report!.xml);
      expect(report!.parsed.groupStatus).toBe('ACCP');
      expect(statuses(report!.parsed)).toEqual(file.transactions.map((t) => [t.paymentId, 'ACCP', []]));
      for (const tx of file.transactions) expect(await ledger(tx.endToEndId)).toHaveLength(1);
      expect(existsSync(join(bankInbox, 'processed', `${file.messageId}.xml`))).toBe(true);

      // The bank has moved the file away; the transport still refuses its MsgId.
      expect(await ours.submit({ msgId: file.messageId, xml: file.xml })).toMatchObject({
        kind: 'duplicate',
      });
      expect(existsSync(join(bankInbox, `${file.messageId}.xml`))).toBe(false);
      // Reports of HTTP files never go to the folder, and the reverse.
      expect(await reports.now(file.messageId)).toEqual([]);
    });

    it('the bank refuses a malformed file from the inbox with its reason, and one whose MsgId it has seen', async () => {
      const file = batch({ n: 1 });
      const broken = file.xml.replace(/\s*<Dbtr>[\s\S]*?<\/Dbtr>/, '');
      expect((await ours.submit({ msgId: file.messageId, xml: broken })).kind).toBe('accepted');
      const reason = join(bankInbox, 'refused', `${file.messageId}.xml.reason.txt`);
      await waitFor('the refusal', async () => (existsSync(reason) ? true : undefined));
      expect(readFileSync(reason, 'utf8')).toMatch(/^MALFORMED_FILE: .*Dbtr/s);
      expect(await ledger(file.transactions[0]!.endToEndId)).toEqual([]);

      // Sent over HTTP first, then dropped in the folder by hand: the bank's MsgId check refuses it.
      const viaHttp = batch({ n: 1 });
      await transport.submit({ msgId: viaHttp.messageId, xml: viaHttp.xml });
      writeFileSync(join(bankInbox, `${viaHttp.messageId}.xml`), viaHttp.xml);
      const dup = join(bankInbox, 'refused', `${viaHttp.messageId}.xml.reason.txt`);
      await waitFor('the duplicate refusal', async () => (existsSync(dup) ? true : undefined));
      expect(readFileSync(dup, 'utf8')).toMatch(/^DUPLICATE_FILE/);
      expect(await ledger(viaHttp.transactions[0]!.endToEndId)).toHaveLength(1);
    });
  });
}

const found = iso20022Schemas();
if ('schemas' in found && xmllintAvailable()) {
  const { schemas } = found;
  describeWithPostgres(TITLE, (databaseUrl) => suite(schemas, databaseUrl));
} else {
  const missing =
    'missing' in found ? found.missing : 'xmllint (apt-get install libxml2-utils, or `make xmllint`)';
  console.warn(`\n!!! ${TITLE}: SKIPPED, no ${missing} !!!\n`);
  describeUnavailable(TITLE, missing, () => {
    it('needs the XSDs and xmllint', () => undefined);
  });
}
