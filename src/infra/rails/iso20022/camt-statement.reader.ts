import type { AccountStatement } from '../../../domain/statement-matching';
import { checkAgainstXsd, requireXsdFiles } from '../../../shared/xml/xsd-check';
import type { StatementMessage, StatementReader } from '../../../ports/reconciliation.port';
import { CamtErrorCodes, camtError } from './camt.errors';
import { parseCamt, type CamtAccountReport } from './camt.parser';

const toStatement = (r: CamtAccountReport): AccountStatement => ({
  id: r.id,
  account: r.account.id,
  balance:
    r.openingBalance && r.closingBalance
      ? {
          openingMinor: r.openingBalance.amountMinor,
          closingMinor: r.closingBalance.amountMinor,
          currency: r.closingBalance.currency,
          date: r.closingBalance.date ?? r.openingBalance.date,
        }
      : null,
  entries: r.entries.map((e, i) => ({
    ref: e.accountServicerReference ?? e.reference ?? `${r.id}#${i}`,
    amountMinor: e.amountMinor,
    currency: e.currency,
    creditDebit: e.creditDebit,
    booked: e.status === 'BOOK' && !e.reversal,
    bookingDate: e.bookingDate,
    batch: e.batch
      ? {
          messageId: e.batch.messageId,
          paymentInformationId: e.batch.paymentInformationId,
          count: e.batch.numberOfTransactions,
          totalMinor: e.batch.totalAmountMinor,
        }
      : null,
    lines: e.transactions.map((t) => ({
      endToEndId: t.endToEndId,
      paymentId: t.paymentId,
      amountMinor: t.amountMinor,
      returnCode: t.return ? (t.return.code ?? t.return.proprietary) : null,
      returnText: t.return ? t.return.additionalInformation.join(' ') || null : null,
    })),
    isReturn: e.isReturn || (e.bankTransactionCode?.endsWith('/RRTN') ?? false),
  })),
});

/**
 * Reads camt.053/camt.054 for reconciliation: parsed with our camt parser (which refuses a
 * malformed document whole), then, when the XSDs are configured, checked against the official
 * schema with xmllint. Without xmllint or a configured file the reader refuses to be built, so a
 * misconfiguration shows at start, not at the first statement.
 */
export function createCamtStatementReader(xsd: {
  camt053: string | undefined;
  camt054: string | undefined;
}): StatementReader {
  const paths = [xsd.camt053, xsd.camt054].filter((p): p is string => p !== undefined);
  requireXsdFiles('RECONCILIATION_CAMT053_XSD/RECONCILIATION_CAMT054_XSD', paths);
  return {
    async read(xml: string): Promise<StatementMessage> {
      const message = parseCamt(xml);
      const schema = message.kind === 'camt.053' ? xsd.camt053 : xsd.camt054;
      if (schema) {
        const verdict = await checkAgainstXsd(schema, xml, 'the document does not validate against its XSD');
        if (!verdict.valid)
          throw camtError(
            CamtErrorCodes.MALFORMED_STATEMENT,
            `not a valid ${message.kind}.001.08: ${verdict.reason}`,
            { schema: `${message.kind}.001.08` },
          );
      }
      const reports = message.kind === 'camt.053' ? message.statements : message.notifications;
      return { kind: message.kind, messageId: message.messageId, statements: reports.map(toStatement) };
    },
  };
}
