import { expectDomainError } from '../../../../test/support/expect-domain-error';
import { BankFileErrorCodes } from './bank-file.errors';
import { outcomeOf, PAIN_002_NAMESPACE, parsePain002, transactionStatusIn } from './pain002.parser';

const E2E_A = '0b6f5a523c1e4e0a9a571f2d3c4b5a69';
const E2E_B = '1b6f5a523c1e4e0a9a571f2d3c4b5a69';

/** A report as a bank might write it: a namespace prefix, per-transaction statuses and reasons. */
const PARTIAL = `<?xml version="1.0" encoding="UTF-8"?>
<p:Document xmlns:p="${PAIN_002_NAMESPACE}">
  <p:CstmrPmtStsRpt>
    <p:GrpHdr><p:MsgId>STS-0001</p:MsgId><p:CreDtTm>2025-03-01T07:00:00+01:00</p:CreDtTm></p:GrpHdr>
    <p:OrgnlGrpInfAndSts>
      <p:OrgnlMsgId>567c5d5edd21568d9e11871caf5085a8</p:OrgnlMsgId>
      <p:OrgnlMsgNmId>pain.001.001.10</p:OrgnlMsgNmId>
      <p:OrgnlNbOfTxs>3</p:OrgnlNbOfTxs>
      <p:OrgnlCtrlSum>15050.05</p:OrgnlCtrlSum>
      <p:GrpSts>PART</p:GrpSts>
    </p:OrgnlGrpInfAndSts>
    <p:OrgnlPmtInfAndSts>
      <p:OrgnlPmtInfId>567c5d5edd21568d9e11871caf5085a8-1</p:OrgnlPmtInfId>
      <p:PmtInfSts>PART</p:PmtInfSts>
      <p:TxInfAndSts>
        <p:OrgnlEndToEndId>${E2E_A}</p:OrgnlEndToEndId>
        <p:TxSts>ACSC</p:TxSts>
      </p:TxInfAndSts>
      <p:TxInfAndSts>
        <p:OrgnlInstrId>${E2E_B}</p:OrgnlInstrId>
        <p:OrgnlEndToEndId>${E2E_B.toUpperCase()}</p:OrgnlEndToEndId>
        <p:TxSts>RJCT</p:TxSts>
        <p:StsRsnInf>
          <p:Rsn><p:Cd>AC04</p:Cd></p:Rsn>
          <p:AddtlInf>Account closed &amp; archived</p:AddtlInf>
          <p:AddtlInf>since 2024</p:AddtlInf>
        </p:StsRsnInf>
      </p:TxInfAndSts>
      <p:TxInfAndSts>
        <p:OrgnlEndToEndId>NOT-ONE-OF-OURS</p:OrgnlEndToEndId>
        <p:TxSts>PDNG</p:TxSts>
        <p:StsRsnInf><p:Rsn><p:Prtry>WAIT</p:Prtry></p:Rsn></p:StsRsnInf>
      </p:TxInfAndSts>
    </p:OrgnlPmtInfAndSts>
  </p:CstmrPmtStsRpt>
</p:Document>`;

const groupOnly = (status: string, reason?: string) => `<?xml version="1.0"?>
<Document xmlns="${PAIN_002_NAMESPACE}"><CstmrPmtStsRpt>
  <GrpHdr><MsgId>STS-2</MsgId><CreDtTm>2025-03-01T07:00:00Z</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.10</OrgnlMsgNmId>
    <GrpSts>${status}</GrpSts>${reason ? `<StsRsnInf><Rsn><Cd>${reason}</Cd></Rsn></StsRsnInf>` : ''}
  </OrgnlGrpInfAndSts>
</CstmrPmtStsRpt></Document>`;

describe('parsePain002', () => {
  it('reads group, PmtInf and transaction statuses with their reasons, and maps EndToEndIds to payments', () => {
    const r = parsePain002(PARTIAL);
    expect(r).toMatchObject({
      messageId: 'STS-0001',
      createdAt: '2025-03-01T07:00:00+01:00',
      originalMessageId: '567c5d5edd21568d9e11871caf5085a8',
      originalMessageNameId: 'pain.001.001.10',
      originalNumberOfTransactions: 3,
      originalControlSum: '15050.05',
      groupStatus: 'PART',
      groupReasons: [],
    });
    expect(r.paymentInformations).toHaveLength(1);
    expect(r.paymentInformations[0]).toMatchObject({
      originalPaymentInformationId: '567c5d5edd21568d9e11871caf5085a8-1',
      originalNumberOfTransactions: null,
      status: 'PART',
    });
    expect(r.transactions).toEqual([
      {
        originalEndToEndId: E2E_A,
        originalInstructionId: null,
        paymentId: '0b6f5a52-3c1e-4e0a-9a57-1f2d3c4b5a69',
        status: 'ACSC',
        reasons: [],
        originalPaymentInformationId: '567c5d5edd21568d9e11871caf5085a8-1',
      },
      {
        originalEndToEndId: E2E_B.toUpperCase(),
        originalInstructionId: E2E_B,
        paymentId: '1b6f5a52-3c1e-4e0a-9a57-1f2d3c4b5a69',
        status: 'RJCT',
        reasons: [
          {
            code: 'AC04',
            proprietary: null,
            additionalInformation: ['Account closed & archived', 'since 2024'],
          },
        ],
        originalPaymentInformationId: '567c5d5edd21568d9e11871caf5085a8-1',
      },
      {
        originalEndToEndId: 'NOT-ONE-OF-OURS',
        originalInstructionId: null,
        // Not ours: the caller raises it rather than applying it.
        paymentId: null,
        status: 'PDNG',
        reasons: [{ code: null, proprietary: 'WAIT', additionalInformation: [] }],
        originalPaymentInformationId: '567c5d5edd21568d9e11871caf5085a8-1',
      },
    ]);
  });

  it('keeps every value a string: ids that look like numbers are not turned into numbers', () => {
    const r = parsePain002(groupOnly('ACCP').replace('<MsgId>STS-2</MsgId>', '<MsgId>00012E5</MsgId>'));
    expect(r.messageId).toBe('00012E5');
  });

  it('a status given only for the group or the PmtInf applies to each transaction; PART does not', () => {
    const rejected = parsePain002(groupOnly('RJCT', 'FF01'));
    expect(rejected.transactions).toEqual([]);
    expect(transactionStatusIn(rejected, { endToEndId: E2E_A, paymentInformationId: 'M1-1' })).toEqual({
      status: 'RJCT',
      reasons: [{ code: 'FF01', proprietary: null, additionalInformation: [] }],
    });
    const partial = parsePain002(PARTIAL);
    const pmtInf = '567c5d5edd21568d9e11871caf5085a8-1';
    expect(transactionStatusIn(partial, { endToEndId: E2E_A, paymentInformationId: pmtInf })?.status).toBe(
      'ACSC',
    );
    // Echoed in upper case: still the same transaction.
    expect(transactionStatusIn(partial, { endToEndId: E2E_B, paymentInformationId: pmtInf })).toEqual({
      status: 'RJCT',
      reasons: partial.transactions[1]!.reasons,
    });
    // Not listed, under a PART PmtInf and a PART group: the report says nothing about it.
    expect(
      transactionStatusIn(partial, { endToEndId: 'f'.repeat(32), paymentInformationId: pmtInf }),
    ).toBeNull();
  });

  it('refuses what is not a well-formed pain.002.001.11', () => {
    expectDomainError(() => parsePain002(''), BankFileErrorCodes.MALFORMED_REPORT);
    expectDomainError(
      () => parsePain002('<Document><CstmrPmtStsRpt></Document>'),
      BankFileErrorCodes.MALFORMED_REPORT,
    );
    expectDomainError(
      () =>
        parsePain002(
          `<!DOCTYPE d [<!ENTITY x "y">]>${groupOnly('ACCP').replace('<?xml version="1.0"?>', '')}`,
        ),
      BankFileErrorCodes.MALFORMED_REPORT,
    );
    expectDomainError(
      () => parsePain002(groupOnly('ACCP').replace('<OrgnlMsgId>M1</OrgnlMsgId>', '')),
      BankFileErrorCodes.MALFORMED_REPORT,
    );
    expectDomainError(
      () => parsePain002(groupOnly('ACCP').replace('pain.002.001.11', 'pain.002.001.03')),
      BankFileErrorCodes.UNSUPPORTED_REPORT,
    );
    expectDomainError(
      () => parsePain002(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.10"><X/></Document>`),
      BankFileErrorCodes.UNSUPPORTED_REPORT,
    );
  });
});

describe('outcomeOf', () => {
  it.each([
    ['ACCP', 'ACCEPTED'],
    ['ACSC', 'ACCEPTED'],
    ['ACSP', 'ACCEPTED'],
    ['RJCT', 'REJECTED'],
    ['CANC', 'REJECTED'],
    ['PDNG', 'PENDING'],
    ['ACTC', 'PENDING'],
    ['XYZ1', 'UNRECOGNISED'],
  ])('%s → %s', (status, outcome) => {
    expect(outcomeOf(status)).toBe(outcome);
  });
});
