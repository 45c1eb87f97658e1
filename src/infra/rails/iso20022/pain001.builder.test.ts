import { XMLParser } from 'fast-xml-parser';
import { ErrorCodes } from '../../../domain/domain-error';
import { expectDomainError } from '../../../../test/support/expect-domain-error';
import { BankFileErrorCodes } from './bank-file.errors';
import { paymentIdOfEndToEndId } from './iso20022-ids.util';
import { buildPain001, PAIN_001_NAMESPACE, type Pain001Batch, type Pain001Transfer } from './pain001.builder';

const ID = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

const transfer = (n: number, amountMinor: bigint | string, extra: Partial<Pain001Transfer> = {}) => ({
  paymentId: ID(n),
  amountMinor,
  creditor: { name: `Partner ${n}`, account: { iban: 'DE89 3704 0044 0532 0130 00' } },
  remittanceReference: `STMT-${n}`,
  ...extra,
});

const batch = (over: Partial<Pain001Batch> = {}): Pain001Batch => ({
  debtor: { name: 'Alpes Partners SAS', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPP' },
  currency: 'EUR',
  requestedExecutionDate: '2025-03-03',
  createdAt: '2025-03-01T06:00:00.000Z',
  transfers: [transfer(1, 1505000n), transfer(2, '5')],
  ...over,
});

const reader = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  isArray: (name) => name === 'CdtTrfTxInf',
});
/** The document as data: what a bank would read. */
function read(xml: string) {
  const doc = reader.parse(xml).Document;
  const msg = doc.CstmrCdtTrfInitn;
  return {
    namespace: doc['@_xmlns'],
    header: msg.GrpHdr,
    pmtInf: msg.PmtInf,
    txs: msg.CdtTrfTxInf ?? msg.PmtInf.CdtTrfTxInf,
  };
}

describe('buildPain001: amounts', () => {
  it.each([
    ['EUR', [1505000n, 5n, 100n], ['15050.00', '0.05', '1.00'], '15051.05'],
    ['JPY', [500n, 1n, 120000n], ['500', '1', '120000'], '120501'],
    ['KWD', [1234n, 1n, 1000n], ['1.234', '0.001', '1.000'], '2.235'],
  ])(
    '%s: each amount with its ISO-4217 decimals, the control sum exact',
    (currency, minors, amounts, sum) => {
      const file = buildPain001(batch({ currency, transfers: minors.map((m, i) => transfer(i + 1, m)) }));
      const { header, pmtInf, txs } = read(file.xml);
      expect(txs.map((t: any) => t.Amt.InstdAmt['#text'])).toEqual(amounts);
      expect(txs.map((t: any) => t.Amt.InstdAmt['@_Ccy'])).toEqual([currency, currency, currency]);
      expect([header.NbOfTxs, header.CtrlSum]).toEqual(['3', sum]);
      expect([pmtInf.NbOfTxs, pmtInf.CtrlSum]).toEqual(['3', sum]);
      expect(file).toMatchObject({ numberOfTransactions: 3, controlSum: sum, currency });
    },
  );

  it('sums exactly where floating point would not (0.10 + 0.20, and past 2^53)', () => {
    expect(buildPain001(batch({ transfers: [transfer(1, 10n), transfer(2, 20n)] })).controlSum).toBe('0.30');
    const big = 9_007_199_254_740_993n; // 2^53 + 1: no double holds it
    const file = buildPain001(batch({ transfers: [transfer(1, big), transfer(2, big), transfer(3, 1n)] }));
    expect(file.controlSumMinor).toBe(18_014_398_509_481_987n);
    expect(file.controlSum).toBe('180143985094819.87');
  });

  it('refuses a control sum past 18 digits, and amounts that are not positive integers', () => {
    const half = 600_000_000_000_000_000n;
    expectDomainError(
      () => buildPain001(batch({ transfers: [transfer(1, half), transfer(2, half)] })),
      BankFileErrorCodes.AMOUNT_TOO_LARGE,
    );
    expectDomainError(
      () => buildPain001(batch({ transfers: [transfer(1, '12.50')] })),
      BankFileErrorCodes.INVALID_AMOUNT,
    );
    expectDomainError(
      () => buildPain001(batch({ transfers: [transfer(1, 0n)] })),
      BankFileErrorCodes.INVALID_AMOUNT,
    );
  });

  it('refuses a currency ISO 4217 does not list', () => {
    expectDomainError(() => buildPain001(batch({ currency: 'XXX' })), ErrorCodes.MONEY_UNKNOWN_CURRENCY);
  });
});

describe('buildPain001: identifiers', () => {
  it("EndToEndId and InstrId are the payment id's 32 hex digits, and map back to it", () => {
    const file = buildPain001(
      batch({ transfers: [transfer(0xabc, 1n, { paymentId: ID(0xabc).toUpperCase() })] }),
    );
    const [tx] = read(file.xml).txs;
    expect(tx.PmtId).toEqual({
      InstrId: '00000000000040008000000000000abc',
      EndToEndId: '00000000000040008000000000000abc',
    });
    expect(paymentIdOfEndToEndId(tx.PmtId.EndToEndId)).toBe(ID(0xabc));
    expect(file.transactions[0]).toMatchObject({ paymentId: ID(0xabc), endToEndId: tx.PmtId.EndToEndId });
  });

  it('the same batch gives the same MsgId and PmtInfId, whatever the order of its transfers', () => {
    const a = buildPain001(batch());
    const b = buildPain001(batch({ transfers: [...batch().transfers].reverse() }));
    expect(b.messageId).toBe(a.messageId);
    expect(a.messageId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.paymentInformationId).toBe(`${a.messageId}-1`);
    const { header, pmtInf } = read(a.xml);
    expect([header.MsgId, pmtInf.PmtInfId]).toEqual([a.messageId, a.paymentInformationId]);
    // Building again is the same document, byte for byte.
    expect(buildPain001(batch()).xml).toBe(a.xml);
  });

  it('another payment, debtor account, currency or date is another MsgId', () => {
    const base = buildPain001(batch()).messageId;
    const others = [
      batch({ transfers: [transfer(1, 1505000n), transfer(3, '5')] }),
      batch({ debtor: { ...batch().debtor, iban: 'DE89370400440532013000' } }),
      batch({ currency: 'USD' }),
      batch({ requestedExecutionDate: '2025-03-04' }),
    ].map((b) => buildPain001(b).messageId);
    expect(new Set([base, ...others]).size).toBe(5);
  });

  it('refuses a payment id that is not a UUID, the same payment twice, and an empty batch', () => {
    expectDomainError(
      () => buildPain001(batch({ transfers: [transfer(1, 1n, { paymentId: 'pay-1' })] })),
      BankFileErrorCodes.INVALID_PAYMENT_ID,
    );
    expectDomainError(
      () =>
        buildPain001(
          batch({ transfers: [transfer(1, 1n), transfer(1, 2n, { paymentId: ID(1).toUpperCase() })] }),
        ),
      BankFileErrorCodes.DUPLICATE_PAYMENT,
    );
    expectDomainError(() => buildPain001(batch({ transfers: [] })), BankFileErrorCodes.EMPTY_BATCH);
  });
});

describe('buildPain001: accounts and agents', () => {
  it('writes IBANs in electronic format, BICs, a local account with its BIC, and the structured reference', () => {
    const file = buildPain001(
      batch({
        serviceLevel: 'SEPA',
        transfers: [
          transfer(1, 100n, {
            creditor: {
              name: '  Ana & "Co" <Ltd>  ',
              account: { iban: 'de89 3704 0044 0532 0130 00' },
              bic: 'cobadeffxxx',
            },
          }),
          transfer(2, 100n, {
            creditor: { name: 'José', account: { number: '1234 5678' }, bic: 'DEUTDEFF' },
          }),
        ],
      }),
    );
    expect(file.xml).toContain('<Nm>Ana &amp; &quot;Co&quot; &lt;Ltd&gt;</Nm>');
    const { namespace, pmtInf, txs } = read(file.xml);
    expect(namespace).toBe(PAIN_001_NAMESPACE);
    expect(pmtInf.PmtTpInf).toEqual({ SvcLvl: { Cd: 'SEPA' } });
    expect(pmtInf.DbtrAcct.Id.IBAN).toBe('FR1420041010050500013M02606');
    expect(pmtInf.DbtrAgt.FinInstnId.BICFI).toBe('PSSTFRPP');
    expect(txs[0].CdtrAcct.Id.IBAN).toBe('DE89370400440532013000');
    expect(txs[0].CdtrAgt.FinInstnId.BICFI).toBe('COBADEFFXXX');
    expect(txs[1].CdtrAcct.Id.Othr.Id).toBe('12345678');
    expect(txs[1].Cdtr.Nm).toBe('José');
    expect(txs[0].RmtInf.Strd.CdtrRefInf).toEqual({ Tp: { CdOrPrtry: { Cd: 'SCOR' } }, Ref: 'STMT-1' });
  });

  it.each([
    ['a bad checksum', 'DE89 3704 0044 0532 0130 01'],
    ['a wrong length for the country', 'DE89 3704 0044 0532 0130'],
    ['an unknown country', 'XX89 3704 0044 0532 0130 00'],
    ['not an IBAN at all', '12345678'],
  ])('refuses a creditor IBAN with %s, masked in the error', (_why, iban) => {
    const e = expectDomainError(
      () =>
        buildPain001(batch({ transfers: [transfer(1, 1n, { creditor: { name: 'P', account: { iban } } })] })),
      BankFileErrorCodes.INVALID_IBAN,
    );
    expect(e.details).toEqual({
      field: 'transfers[0].creditor.account.iban',
      value: `****${iban.replace(/ /g, '').slice(-4)}`,
    });
  });

  it('refuses an invalid debtor IBAN or BIC', () => {
    expectDomainError(
      () => buildPain001(batch({ debtor: { ...batch().debtor, iban: 'FR1420041010050500013M02607' } })),
      BankFileErrorCodes.INVALID_IBAN,
    );
    for (const bic of ['PSSTFRP', 'PSSTFRPPPA', 'PSST12PP', 'PSSTXXPP', '']) {
      const e = expectDomainError(
        () => buildPain001(batch({ debtor: { ...batch().debtor, bic } })),
        BankFileErrorCodes.INVALID_BIC,
      );
      expect(e.details).toMatchObject({ field: 'debtor.bic' });
    }
  });

  it('refuses an invalid creditor BIC, and a local account without one', () => {
    expectDomainError(
      () =>
        buildPain001(
          batch({
            transfers: [
              transfer(1, 1n, {
                creditor: { name: 'P', account: { iban: 'DE89370400440532013000' }, bic: 'DEUT' },
              }),
            ],
          }),
        ),
      BankFileErrorCodes.INVALID_BIC,
    );
    expectDomainError(
      () =>
        buildPain001(
          batch({
            transfers: [transfer(1, 1n, { creditor: { name: 'P', account: { number: '12345678' } } })],
          }),
        ),
      BankFileErrorCodes.INVALID_BIC,
    );
    expectDomainError(
      () =>
        buildPain001(
          batch({
            transfers: [
              transfer(1, 1n, {
                creditor: { name: 'P', account: { number: '1'.repeat(35) }, bic: 'DEUTDEFF' },
              }),
            ],
          }),
        ),
      BankFileErrorCodes.INVALID_ACCOUNT,
    );
  });

  it('refuses names and references that do not fit their ISO fields, and impossible dates', () => {
    const name = (n: string) => [
      transfer(1, 1n, { creditor: { name: n, account: { iban: 'DE89370400440532013000' } } }),
    ];
    for (const n of ['', '   ', 'x'.repeat(141), 'Ana\nEvil', 'Ana\u0000']) {
      expectDomainError(() => buildPain001(batch({ transfers: name(n) })), BankFileErrorCodes.INVALID_TEXT);
    }
    expect(() => buildPain001(batch({ transfers: name('x'.repeat(140)) }))).not.toThrow();
    expectDomainError(
      () => buildPain001(batch({ transfers: [transfer(1, 1n, { remittanceReference: 'R'.repeat(36) })] })),
      BankFileErrorCodes.INVALID_TEXT,
    );
    for (const requestedExecutionDate of ['2025-02-30', '2025-3-3', '03/03/2025']) {
      expectDomainError(
        () => buildPain001(batch({ requestedExecutionDate })),
        BankFileErrorCodes.INVALID_DATE,
      );
    }
    expectDomainError(() => buildPain001(batch({ createdAt: 'yesterday' })), BankFileErrorCodes.INVALID_DATE);
    expectDomainError(() => buildPain001(batch({ serviceLevel: 'sepa' })), BankFileErrorCodes.INVALID_TEXT);
  });
});
