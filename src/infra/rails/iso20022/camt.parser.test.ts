import { expectDomainError } from '../../../../test/support/expect-domain-error';
import { CamtErrorCodes } from './camt.errors';
import {
  CAMT_053_NAMESPACE,
  CAMT_054_NAMESPACE,
  balanceCheck,
  minorUnitsOf,
  parseCamt,
  parseCamt053,
  parseCamt054,
} from './camt.parser';

const E2E_A = '0b6f5a523c1e4e0a9a571f2d3c4b5a69';
const E2E_B = '1b6f5a523c1e4e0a9a571f2d3c4b5a69';

/** A statement as another bank might write it: a prefix, an Othr account, a batch and a return. */
const STATEMENT = `<?xml version="1.0" encoding="UTF-8"?>
<c:Document xmlns:c="${CAMT_053_NAMESPACE}">
  <c:BkToCstmrStmt>
    <c:GrpHdr><c:MsgId>STMT-0001</c:MsgId><c:CreDtTm>2025-03-04T06:00:00+01:00</c:CreDtTm></c:GrpHdr>
    <c:Stmt>
      <c:Id>S-2025-03-03</c:Id>
      <c:CreDtTm>2025-03-04T06:00:00+01:00</c:CreDtTm>
      <c:Acct><c:Id><c:Othr><c:Id>0012345678</c:Id></c:Othr></c:Id></c:Acct>
      <c:Bal><c:Tp><c:CdOrPrtry><c:Cd>OPBD</c:Cd></c:CdOrPrtry></c:Tp><c:Amt Ccy="EUR">1000.00</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd><c:Dt><c:Dt>2025-03-03</c:Dt></c:Dt></c:Bal>
      <c:Bal><c:Tp><c:CdOrPrtry><c:Cd>CLBD</c:Cd></c:CdOrPrtry></c:Tp><c:Amt Ccy="EUR">849.5</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd><c:Dt><c:DtTm>2025-03-03T23:59:59Z</c:DtTm></c:Dt></c:Bal>
      <c:Ntry>
        <c:NtryRef>1</c:NtryRef>
        <c:Amt Ccy="EUR">200.50</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd>
        <c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
        <c:BookgDt><c:Dt>2025-03-03</c:Dt></c:BookgDt>
        <c:BkTxCd><c:Domn><c:Cd>PMNT</c:Cd><c:Fmly><c:Cd>ICDT</c:Cd><c:SubFmlyCd>ESCT</c:SubFmlyCd></c:Fmly></c:Domn></c:BkTxCd>
        <c:NtryDtls>
          <c:Btch><c:MsgId>M1</c:MsgId><c:PmtInfId>M1-1</c:PmtInfId><c:NbOfTxs>2</c:NbOfTxs><c:TtlAmt Ccy="EUR">200.50</c:TtlAmt><c:CdtDbtInd>DBIT</c:CdtDbtInd></c:Btch>
          <c:TxDtls><c:Refs><c:EndToEndId>${E2E_A}</c:EndToEndId></c:Refs><c:Amt Ccy="EUR">200.00</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd></c:TxDtls>
          <c:TxDtls><c:Refs><c:EndToEndId>NOT-OURS</c:EndToEndId></c:Refs><c:Amt Ccy="EUR">0.50</c:Amt></c:TxDtls>
        </c:NtryDtls>
      </c:Ntry>
      <c:Ntry>
        <c:Amt Ccy="EUR">50.00</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd>
        <c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
        <c:BkTxCd><c:Domn><c:Cd>PMNT</c:Cd><c:Fmly><c:Cd>ICDT</c:Cd><c:SubFmlyCd>RRTN</c:SubFmlyCd></c:Fmly></c:Domn></c:BkTxCd>
        <c:NtryDtls><c:TxDtls>
          <c:Refs><c:PmtInfId>M0-1</c:PmtInfId><c:EndToEndId>${E2E_B}</c:EndToEndId></c:Refs>
          <c:Amt Ccy="EUR">50.00</c:Amt>
          <c:RtrInf><c:Rsn><c:Cd>MD07</c:Cd></c:Rsn><c:AddtlInf>End customer deceased</c:AddtlInf></c:RtrInf>
        </c:TxDtls></c:NtryDtls>
      </c:Ntry>
      <c:Ntry>
        <c:Amt Ccy="EUR">999.00</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd>
        <c:Sts><c:Cd>PDNG</c:Cd></c:Sts>
        <c:BkTxCd/>
      </c:Ntry>
    </c:Stmt>
  </c:BkToCstmrStmt>
</c:Document>`;

const notice = (entry: string) => `<?xml version="1.0"?>
<Document xmlns="${CAMT_054_NAMESPACE}"><BkToCstmrDbtCdtNtfctn>
  <GrpHdr><MsgId>N-1</MsgId><CreDtTm>2025-03-03T10:00:00Z</CreDtTm></GrpHdr>
  <Ntfctn><Id>N-1-1</Id><Acct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id><Ccy>JPY</Ccy></Acct>${entry}</Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>`;
const JPY_ENTRY = `<Ntry><Amt Ccy="JPY">120000</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BkTxCd/>
  <NtryDtls><TxDtls><Refs><EndToEndId>${E2E_A}</EndToEndId></Refs><Amt Ccy="JPY">120000</Amt></TxDtls></NtryDtls></Ntry>`;

describe('parseCamt053', () => {
  it('reads the account, signed balances and every entry, with batches, transactions and returns', () => {
    const m = parseCamt053(STATEMENT);
    expect(m).toMatchObject({
      kind: 'camt.053',
      messageId: 'STMT-0001',
      createdAt: '2025-03-04T06:00:00+01:00',
    });
    const [s] = m.statements;
    expect(s).toMatchObject({
      id: 'S-2025-03-03',
      account: { id: '0012345678', isIban: false, currency: null },
      currency: 'EUR',
      openingBalance: { type: 'OPBD', amountMinor: 100000n, currency: 'EUR', date: '2025-03-03' },
      closingBalance: { type: 'CLBD', amountMinor: 84950n, date: '2025-03-03' },
    });
    const [batch, ret, pending] = s!.entries;
    expect(batch).toMatchObject({
      reference: '1',
      amountMinor: 20050n,
      creditDebit: 'DBIT',
      status: 'BOOK',
      bookingDate: '2025-03-03',
      bankTransactionCode: 'PMNT/ICDT/ESCT',
      batch: {
        messageId: 'M1',
        paymentInformationId: 'M1-1',
        numberOfTransactions: 2,
        totalAmountMinor: 20050n,
        creditDebit: 'DBIT',
      },
      isReturn: false,
    });
    expect(batch!.transactions.map((t) => [t.endToEndId, t.paymentId, t.amountMinor, t.creditDebit])).toEqual(
      [
        [E2E_A, '0b6f5a52-3c1e-4e0a-9a57-1f2d3c4b5a69', 20000n, 'DBIT'],
        ['NOT-OURS', null, 50n, null],
      ],
    );
    expect(ret).toMatchObject({
      creditDebit: 'CRDT',
      isReturn: true,
      bankTransactionCode: 'PMNT/ICDT/RRTN',
      batch: null,
    });
    expect(ret!.transactions[0]).toMatchObject({
      endToEndId: E2E_B,
      paymentInformationId: 'M0-1',
      return: { code: 'MD07', proprietary: null, additionalInformation: ['End customer deceased'] },
    });
    expect(pending).toMatchObject({ status: 'PDNG', bankTransactionCode: null, transactions: [] });
    // Pending entries do not move the booked balance: 1000.00 − 200.50 + 50.00 = 849.50.
    expect(balanceCheck(s!)).toEqual({
      balanced: true,
      openingMinor: 100000n,
      netEntriesMinor: -15050n,
      closingMinor: 84950n,
      differenceMinor: 0n,
    });
  });

  it('reports a balance break instead of refusing it', () => {
    const broken = STATEMENT.replace('<c:Amt Ccy="EUR">849.5</c:Amt>', '<c:Amt Ccy="EUR">849.51</c:Amt>');
    expect(balanceCheck(parseCamt053(broken).statements[0]!)).toMatchObject({
      balanced: false,
      differenceMinor: 1n,
    });
    const debit = STATEMENT.replace(
      '<c:Amt Ccy="EUR">849.5</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd>',
      '<c:Amt Ccy="EUR">849.5</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd>',
    );
    expect(parseCamt053(debit).statements[0]!.closingBalance!.amountMinor).toBe(-84950n);
  });

  it('refuses a camt.054 where a statement is expected', () => {
    expectDomainError(() => parseCamt053(notice(JPY_ENTRY)), CamtErrorCodes.UNSUPPORTED_STATEMENT);
  });
});

describe('parseCamt054', () => {
  it('reads a notice in a zero-digit currency', () => {
    const m = parseCamt054(notice(JPY_ENTRY));
    expect(m.kind).toBe('camt.054');
    const [n] = m.notifications;
    expect(n).toMatchObject({ id: 'N-1-1', currency: 'JPY', openingBalance: null, closingBalance: null });
    expect(n!.account).toEqual({ id: 'FR1420041010050500013M02606', isIban: true, currency: 'JPY' });
    expect(n!.entries[0]).toMatchObject({ amountMinor: 120000n, currency: 'JPY', creditDebit: 'DBIT' });
    expect(parseCamt(notice(JPY_ENTRY)).kind).toBe('camt.054');
    expectDomainError(() => parseCamt053(notice(JPY_ENTRY)), CamtErrorCodes.UNSUPPORTED_STATEMENT);
  });

  it('refuses a camt.053 where a notice is expected', () => {
    expectDomainError(() => parseCamt054(STATEMENT), CamtErrorCodes.UNSUPPORTED_STATEMENT);
  });
});

describe('malformed statements are refused whole, with a typed error', () => {
  const M = CamtErrorCodes.MALFORMED_STATEMENT;
  it.each([
    ['empty', '   ', M],
    ['not XML', 'this is not xml', M],
    ['not well-formed', STATEMENT.replace('</c:Stmt>', ''), M],
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY a "b">]>${STATEMENT.replace(/^<\?xml[^>]*>/, '')}`, M],
    [
      'another message',
      STATEMENT.replaceAll(CAMT_053_NAMESPACE, 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'),
      CamtErrorCodes.UNSUPPORTED_STATEMENT,
    ],
    [
      'a pain.002',
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.11"/>',
      CamtErrorCodes.UNSUPPORTED_STATEMENT,
    ],
    ['no GrpHdr/MsgId', STATEMENT.replace('<c:MsgId>STMT-0001</c:MsgId>', ''), M],
    ['no statement', STATEMENT.replace(/<c:Stmt>[\s\S]*<\/c:Stmt>/, ''), M],
    ['no account', STATEMENT.replace(/<c:Acct>[\s\S]*?<\/c:Acct>/, ''), M],
    ['no closing balance', STATEMENT.replace(/<c:Bal><c:Tp><c:CdOrPrtry><c:Cd>CLBD[\s\S]*?<\/c:Bal>/, ''), M],
    [
      'an entry without amount',
      STATEMENT.replace('<c:Amt Ccy="EUR">200.50</c:Amt><c:CdtDbtInd>DBIT', '<c:CdtDbtInd>DBIT'),
      M,
    ],
    [
      'an amount without currency',
      STATEMENT.replace('<c:Amt Ccy="EUR">200.50</c:Amt>', '<c:Amt>200.50</c:Amt>'),
      M,
    ],
    ['an entry without status', STATEMENT.replace('<c:Sts><c:Cd>PDNG</c:Cd></c:Sts>', ''), M],
    [
      'a bad credit/debit',
      STATEMENT.replace('<c:CdtDbtInd>DBIT</c:CdtDbtInd>', '<c:CdtDbtInd>OUT</c:CdtDbtInd>'),
      M,
    ],
    ['a bad count', STATEMENT.replace('<c:NbOfTxs>2</c:NbOfTxs>', '<c:NbOfTxs>two</c:NbOfTxs>'), M],
    [
      'sub-unit decimals',
      STATEMENT.replace('>200.50</c:Amt>', '>200.505</c:Amt>'),
      CamtErrorCodes.INVALID_STATEMENT_AMOUNT,
    ],
    [
      'a negative amount',
      STATEMENT.replace('>200.50</c:Amt>', '>-200.50</c:Amt>'),
      CamtErrorCodes.INVALID_STATEMENT_AMOUNT,
    ],
    [
      'an unknown currency',
      STATEMENT.replace('<c:Amt Ccy="EUR">200.50', '<c:Amt Ccy="XYZ">200.50'),
      CamtErrorCodes.INVALID_STATEMENT_AMOUNT,
    ],
  ])('%s', (_name, xml, code) => {
    expectDomainError(() => parseCamt(xml), code);
  });

  it('a JPY amount with decimals is refused, trailing zeros are not', () => {
    expect(minorUnitsOf('120000.00', 'JPY', 'Amt')).toBe(120000n);
    expect(minorUnitsOf('1.5', 'KWD', 'Amt')).toBe(1500n);
    expectDomainError(
      () => parseCamt054(notice(JPY_ENTRY.replace('>120000</Amt>', '>120000.5</Amt>'))),
      CamtErrorCodes.INVALID_STATEMENT_AMOUNT,
    );
  });
});
