import { z } from './zod-openapi';
import { currencyCode, dateTime, day, int32, MESSAGE_MAX_LENGTH, minorUnits } from './common.schemas';

/** The most files one answer lists (newest first). */
export const BANK_FILES_MAX = 200;
export const BANK_FILE_ANOMALIES_MAX = 500;

const msgId = () =>
  z
    .string()
    .max(35)
    .regex(/^[A-Za-z0-9-]{1,35}$/, 'a MsgId is 1 to 35 letters, digits or dashes')
    .openapi({ description: 'the pain.001 GrpHdr/MsgId' });

export const bankFileParams = z.object({ msgId: msgId() });
export const bankFileReportParams = z.object({
  msgId: msgId(),
  reportId: z.string().min(1).max(200),
});
export const bankFileListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(BANK_FILES_MAX).default(50).openapi({ format: 'int32' }),
});

const itemCounts = z.object({
  OPEN: int32(),
  FILED: int32(),
  ACCEPTED: int32(),
  REJECTED: int32(),
  WITHDRAWN: int32(),
});

export const bankFile = z
  .object({
    msgId: msgId(),
    paymentInformationId: z.string().max(35),
    debtorAccount: z.string().max(40).openapi({ description: 'masked IBAN' }),
    currency: currencyCode(),
    executionDate: day(),
    numberOfTransactions: int32(),
    controlSumMinor: minorUnits().openapi({ description: 'integer minor units of `currency`' }),
    status: z.enum(['BUILT', 'SUBMITTED', 'REFUSED', 'ACCEPTED', 'PARTIALLY_ACCEPTED', 'REJECTED']),
    bankFileId: z.string().max(200).nullable(),
    refusal: z.string().max(MESSAGE_MAX_LENGTH).nullable(),
    createdAt: dateTime(),
    submittedAt: dateTime().nullable(),
    items: itemCounts.openapi({ description: 'its transfers by status' }),
    reports: int32().openapi({ description: 'pain.002 reports received about it' }),
  })
  .openapi('BankFile');

export const bankFileList = z
  .object({ items: z.array(bankFile).max(BANK_FILES_MAX) })
  .openapi('BankFileList');

export const bankFileReportList = z
  .object({
    items: z
      .array(
        z.object({
          id: z.string().max(200),
          msgId: z.string().max(35),
          groupStatus: z.string().max(4).nullable(),
          receivedAt: dateTime(),
        }),
      )
      .max(1000),
  })
  .openapi('BankFileReportList');

export const bankFileAnomalyList = z
  .object({
    items: z
      .array(
        z.object({
          id: int32(),
          reportId: z.string().max(200),
          originalMsgId: z.string().max(35).nullable(),
          endToEndId: z.string().max(35).nullable(),
          kind: z.enum([
            'UNKNOWN_FILE',
            'UNKNOWN_TRANSACTION',
            'CONTRADICTORY_STATUS',
            'UNRECOGNISED_STATUS',
            'MALFORMED_REPORT',
          ]),
          detail: z.string().max(MESSAGE_MAX_LENGTH),
          createdAt: dateTime(),
        }),
      )
      .max(BANK_FILE_ANOMALIES_MAX),
  })
  .openapi('BankFileAnomalyList');
