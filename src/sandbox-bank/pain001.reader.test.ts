import { XMLBuilder } from 'fast-xml-parser';
import { MalformedFileError, PAIN_001_NAMESPACE, ibanChecksumOk, readPain001 } from './pain001.reader';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });

/** A minimal pain.001 as the bank reads it (the XSD check is not the reader's job). */
function pain001(
  opts: { ns?: string; nbOfTxs?: string; amounts?: Array<[string, string]>; prefix?: string } = {},
) {
  const amounts = opts.amounts ?? [
    ['15050.00', 'EUR'],
    ['120000', 'JPY'],
  ];
  const p = opts.prefix ? `${opts.prefix}:` : '';
  const tag = (name: string) => `${p}${name}`;
  const doc = {
    [tag('Document')]: {
      [opts.prefix ? `@_xmlns:${opts.prefix}` : '@_xmlns']: opts.ns ?? PAIN_001_NAMESPACE,
      [tag('CstmrCdtTrfInitn')]: {
        [tag('GrpHdr')]: { [tag('MsgId')]: 'MSG1', [tag('NbOfTxs')]: opts.nbOfTxs ?? String(amounts.length) },
        [tag('PmtInf')]: {
          [tag('PmtInfId')]: 'MSG1-1',
          [tag('ReqdExctnDt')]: { [tag('Dt')]: '2025-03-03' },
          [tag('DbtrAcct')]: { [tag('Id')]: { [tag('IBAN')]: 'FR1420041010050500013M02606' } },
          [tag('CdtTrfTxInf')]: amounts.map(([amount, ccy], i) => ({
            [tag('PmtId')]: { [tag('EndToEndId')]: `E2E${i}` },
            [tag('Amt')]: { [tag('InstdAmt')]: { '@_Ccy': ccy, '#text': amount } },
            [tag('CdtrAcct')]: { [tag('Id')]: { [tag('IBAN')]: 'DE89370400440532013000' } },
          })),
        },
      },
    },
  };
  return builder.build(doc) as string;
}

describe('the sandbox bank reads a pain.001', () => {
  it('reads transfers with amounts in minor units of each currency', () => {
    expect(readPain001(pain001())).toEqual({
      msgId: 'MSG1',
      transfers: [
        expect.objectContaining({
          endToEndId: 'E2E0',
          amountMinor: 1_505_000,
          currency: 'EUR',
          isIban: true,
          debtorAccount: 'FR1420041010050500013M02606',
          requestedExecutionDate: '2025-03-03',
          batchBooking: undefined,
        }),
        expect.objectContaining({ endToEndId: 'E2E1', amountMinor: 120_000, currency: 'JPY' }),
      ],
    });
    expect(readPain001(pain001({ amounts: [['1.234', 'KWD']] })).transfers[0]!.amountMinor).toBe(1234);
  });

  it('reads a document whose namespace is bound to a prefix', () => {
    expect(readPain001(pain001({ prefix: 'ns2' })).transfers).toHaveLength(2);
  });

  it.each([
    [
      'another message',
      pain001({ ns: 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03' }),
      /not a pain\.001\.001\.10/,
    ],
    ['a count that disagrees', pain001({ nbOfTxs: '3' }), /NbOfTxs says 3/],
    ['more decimals than the currency', pain001({ amounts: [['1.5', 'JPY']] }), /more decimals than JPY/],
    ['broken XML', '<Document><unclosed></Document>', /not well-formed/],
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY a "b">]>${pain001()}`, /DOCTYPE/],
  ])('refuses %s whole', (_what, xml, reason) => {
    expect(() => readPain001(xml)).toThrow(MalformedFileError);
    expect(() => readPain001(xml)).toThrow(reason);
  });

  it('checks IBAN check digits (AC01 at the bank)', () => {
    expect(ibanChecksumOk('DE89370400440532013000')).toBe(true);
    expect(ibanChecksumOk('DE88370400440532013000')).toBe(false);
    expect(ibanChecksumOk('not an iban')).toBe(false);
  });
});
