/**
 * Our ISO 20022 bank files against the official XSDs (from the Go module github.com/moov-io/iso20022,
 * fetched on first use), checked by xmllint: pain.001.001.10 credit-transfer files in EUR, JPY and
 * KWD, the sandbox bank's pain.002.001.11 status reports, and a report read back by our parser.
 * Broken documents are refused, so the check is known to bite.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildPain001,
  type Pain001Batch,
  type Pain001File,
} from '../src/infra/rails/iso20022/pain001.builder';
import { outcomeOf, parsePain002, transactionStatusIn } from '../src/infra/rails/iso20022/pain002.parser';
import { buildPain002 } from '../src/sandbox-bank/pain002.builder';
import { iso20022Schemas, xmllint, xmllintAvailable, type Iso20022Schemas } from './support/iso20022-schemas';
import { describeUnavailable } from './support/test-env';

const TITLE = 'ISO 20022 bank files against the official XSDs';

const ID = (n: number): string => `7d3c9a10-5b2e-4f61-8a0d-${n.toString(16).padStart(12, '0')}`;
const DEBTOR = { name: 'Alpes Partners SAS', iban: 'FR14 2004 1010 0505 0001 3M02 606', bic: 'PSSTFRPPPAR' };
const CREATED = '2025-03-01T06:00:00Z';

const EUR_BATCH: Pain001Batch = {
  debtor: DEBTOR,
  currency: 'EUR',
  requestedExecutionDate: '2025-03-03',
  createdAt: CREATED,
  serviceLevel: 'SEPA',
  transfers: [
    {
      paymentId: ID(1),
      amountMinor: 1505000n,
      creditor: {
        name: 'Ana Influencer',
        account: { iban: 'DE89 3704 0044 0532 0130 00' },
        bic: 'COBADEFFXXX',
      },
      remittanceReference: 'STMT-2025-02-0001',
    },
    {
      paymentId: ID(2),
      amountMinor: '1',
      creditor: { name: 'Bruno & Fils <Éditions>', account: { iban: 'NL91ABNA0417164300' } },
      remittanceReference: 'STMT-2025-02-0002',
    },
    {
      paymentId: ID(3),
      amountMinor: 99_999_999_999n,
      creditor: { name: 'Chiara Rossi', account: { iban: 'IT60X0542811101000000123456' } },
      remittanceReference: 'STMT-2025-02-0003',
    },
    {
      paymentId: ID(4),
      amountMinor: 12345n,
      creditor: { name: 'Dana Local', account: { number: '0123456789' }, bic: 'DEUTDEFF' },
      remittanceReference: 'STMT-2025-02-0004',
    },
  ],
};

const JPY_BATCH: Pain001Batch = {
  debtor: { name: 'Alpes Partners KK', iban: 'DE89370400440532013000', bic: 'COBADEFF' },
  currency: 'JPY',
  requestedExecutionDate: '2025-03-04',
  createdAt: CREATED,
  transfers: [
    {
      paymentId: ID(10),
      amountMinor: 120000n,
      creditor: { name: 'Kenji Sato', account: { number: '1234567' }, bic: 'MHCBJPJT' },
      remittanceReference: 'STMT-2025-02-0010',
    },
  ],
};

const KWD_BATCH: Pain001Batch = {
  ...JPY_BATCH,
  currency: 'KWD',
  transfers: [
    {
      ...JPY_BATCH.transfers[0]!,
      paymentId: ID(20),
      amountMinor: 1234n,
      creditor: { name: 'Fahad', account: { iban: 'KW81CBKU0000000000001234560101' } },
    },
    {
      ...JPY_BATCH.transfers[0]!,
      paymentId: ID(21),
      amountMinor: 1n,
      creditor: { name: 'Noor', account: { iban: 'KW81CBKU0000000000001234560101' } },
    },
  ],
};

function suite(schemas: Iso20022Schemas): void {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-iso20022-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, xml: string): string => {
    const file = join(dir, name);
    writeFileSync(file, xml);
    return file;
  };
  /** Fails the test with xmllint's own words when the document is not valid. */
  const expectValid = (schema: string, file: string): void => {
    const { valid, output } = xmllint(schema, file);
    if (!valid) throw new Error(`xmllint refused ${file} against ${schema}:\n${output}`);
    expect(output).toBe(`${file} validates`);
  };
  const expectRefused = (schema: string, file: string, because: RegExp): void => {
    const { valid, output } = xmllint(schema, file);
    expect(valid).toBe(false);
    expect(output).toMatch(because);
    expect(output).toMatch(/fails to validate/);
  };

  const files: Record<string, Pain001File> = {};

  it.each([
    ['EUR', EUR_BATCH, ['15050.00', '0.01', '999999999.99', '123.45'], '1000015173.45'],
    ['JPY', JPY_BATCH, ['120000'], '120000'],
    ['KWD', KWD_BATCH, ['1.234', '0.001'], '1.235'],
  ])('a pain.001.001.10 in %s is valid against the XSD', (currency, batch, amounts, controlSum) => {
    const file = buildPain001(batch);
    files[currency] = file;
    expect(file.transactions.map((t) => t.amount)).toEqual(amounts);
    expect(file.controlSum).toBe(controlSum);
    expect(file.xml).toContain(`<CtrlSum>${controlSum}</CtrlSum>`);
    expectValid(schemas.pain001, write(`pain001-${currency}.xml`, file.xml));
  });

  it("the sandbox bank's pain.002.001.11 is valid, and our parser reads it back to the payments", () => {
    const eur = files.EUR!;
    const e2e = (n: number) => ID(n).replace(/-/g, '');
    const report = buildPain002({
      pain001: eur.xml,
      createdAt: '2025-03-03T09:00:00Z',
      reject: { [e2e(2)]: 'AC01', [e2e(3)]: 'AC04', [e2e(4)]: 'AM04' },
    });
    expectValid(schemas.pain002, write('pain002-EUR.xml', report.xml));

    const parsed = parsePain002(report.xml);
    expect(parsed).toMatchObject({
      messageId: report.messageId,
      originalMessageId: eur.messageId,
      originalNumberOfTransactions: 4,
      originalControlSum: eur.controlSum,
      groupStatus: 'PART',
    });
    expect(
      parsed.transactions.map((t) => [
        t.paymentId,
        t.status,
        outcomeOf(t.status!),
        t.reasons.map((r) => r.code),
      ]),
    ).toEqual([
      [ID(1), 'ACCP', 'ACCEPTED', []],
      [ID(2), 'RJCT', 'REJECTED', ['AC01']],
      [ID(3), 'RJCT', 'REJECTED', ['AC04']],
      [ID(4), 'RJCT', 'REJECTED', ['AM04']],
    ]);
    for (const tx of eur.transactions) {
      const status = transactionStatusIn(parsed, {
        endToEndId: tx.endToEndId,
        paymentInformationId: eur.paymentInformationId,
      });
      expect(status?.status).toBe(tx.paymentId === ID(1) ? 'ACCP' : 'RJCT');
    }

    const jpy = buildPain002({ pain001: files.JPY!.xml, createdAt: '2025-03-04T09:00:00Z' });
    expectValid(schemas.pain002, write('pain002-JPY.xml', jpy.xml));
    expect(parsePain002(jpy.xml).transactions.map((t) => [t.paymentId, t.status])).toEqual([
      [ID(10), 'ACCP'],
    ]);
  });

  it('xmllint refuses a broken document: the check bites', () => {
    const xml = files.EUR!.xml;
    // A required element removed: PmtInf/Dbtr.
    const withoutDebtor = xml.replace(/\s*<Dbtr>[\s\S]*?<\/Dbtr>/, '');
    expect(withoutDebtor).not.toBe(xml);
    expectRefused(
      schemas.pain001,
      write('broken-no-debtor.xml', withoutDebtor),
      /'\{urn:iso:std:iso:20022:tech:xsd:pain\.001\.001\.10\}DbtrAcct': This element is not expected\. Expected is .*\}Dbtr \)/,
    );
    // An amount with more decimals than an ISO 20022 amount may carry (5).
    const sixDecimals = xml.replace(
      '<InstdAmt Ccy="EUR">15050.00</InstdAmt>',
      '<InstdAmt Ccy="EUR">15050.000001</InstdAmt>',
    );
    expect(sixDecimals).not.toBe(xml);
    expectRefused(schemas.pain001, write('broken-amount.xml', sixDecimals), /InstdAmt/);
    // A status report without the original message's name.
    const report = buildPain002({ pain001: xml, createdAt: '2025-03-03T09:00:00Z' }).xml;
    const withoutName = report.replace(/\s*<OrgnlMsgNmId>[^<]*<\/OrgnlMsgNmId>/, '');
    expectRefused(schemas.pain002, write('broken-pain002.xml', withoutName), /OrgnlMsgNmId/);
  });

  it('the reconciliation schemas (camt.053, camt.054) are there for the next step', () => {
    for (const [xsd, message, root] of [
      [schemas.camt053, 'camt.053.001.08', 'BkToCstmrStmt'],
      [schemas.camt054, 'camt.054.001.08', 'BkToCstmrDbtCdtNtfctn'],
    ] as const) {
      const ns = `urn:iso:std:iso:20022:tech:xsd:${message}`;
      const { valid, output } = xmllint(xsd, write(`${message}-empty.xml`, `<Document xmlns="${ns}"/>`));
      // The schema compiles and knows its message: an empty Document lacks exactly its root element.
      expect(valid).toBe(false);
      expect(output).toContain(`Missing child element(s). Expected is ( {${ns}}${root} )`);
    }
  });
}

const found = iso20022Schemas();
const haveXmllint = xmllintAvailable();
if ('schemas' in found && haveXmllint) {
  describe(TITLE, () => suite(found.schemas));
} else {
  const missing =
    'missing' in found ? found.missing : 'xmllint (apt-get install libxml2-utils, or `make xmllint`)';
  console.warn(`\n!!! ${TITLE}: SKIPPED, no ${missing} !!!\n`);
  describeUnavailable(TITLE, missing, () => {
    it('needs the XSDs and xmllint', () => undefined);
  });
}
