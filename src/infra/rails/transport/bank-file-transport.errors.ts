import { BankFileErrorCodes, bankFileError } from '../iso20022/bank-file.errors';

/**
 * A transport failure that says nothing about the file (5xx, timeout, refused connection, I/O): the
 * same file may be submitted again, and the transport then answers `duplicate` if it had got through.
 */
export class TransientTransportError extends Error {
  override readonly name = 'TransientTransportError';
  readonly transient = true;
}

/** MsgIds become file names and URL parts: ISO's Max35Text, narrowed to letters, digits and dashes. */
export function checkedMessageId(msgId: string): string {
  if (typeof msgId !== 'string' || !/^[A-Za-z0-9-]{1,35}$/.test(msgId)) {
    throw bankFileError(
      BankFileErrorCodes.INVALID_MESSAGE_ID,
      'a MsgId is 1 to 35 letters, digits or dashes',
      {
        value: String(msgId),
      },
    );
  }
  return msgId;
}
