import type {
  BankFileTransport,
  IncomingBankReport,
  OutgoingBankFile,
  ReportBatch,
  SubmitResult,
} from '../../../ports/bank-file-transport.port';
import { BankFileErrorCodes, bankFileError } from '../iso20022/bank-file.errors';
import { TransientTransportError, checkedMessageId } from './bank-file-transport.errors';

export interface HttpBankFileTransportOptions {
  baseUrl: string;
  /** Budget of one HTTP call (connect, send, read the body). */
  timeoutMs: number;
}

interface Answer {
  status: number;
  text: string;
}

/**
 * Host-to-host over HTTP (the sandbox bank's file API): POST /files with the pain.001, then the
 * reports from GET /reports?after=<cursor> and GET /reports/:id. The bank refuses a MsgId it has
 * seen (409 DUPLICATE_FILE), which is what keeps a retried submission from paying twice.
 */
export class HttpBankFileTransport implements BankFileTransport {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpBankFileTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async submit(file: OutgoingBankFile): Promise<SubmitResult> {
    const msgId = checkedMessageId(file.msgId);
    const answer = await this.call('POST', '/files', file.xml);
    const body = parseJson(answer.text);
    if (answer.status === 202) {
      if (body?.msgId !== undefined && body.msgId !== msgId) {
        throw new TransientTransportError(
          `bank file transport: the bank received MsgId ${String(body.msgId)}, not ${msgId}`,
        );
      }
      return { kind: 'accepted', msgId, fileId: typeof body?.fileId === 'string' ? body.fileId : null };
    }
    if (answer.status === 409 && body?.code === 'DUPLICATE_FILE') {
      return { kind: 'duplicate', msgId, detail: detailOf(body, 'the bank has this MsgId already') };
    }
    if (answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429) {
      throw bankFileError(
        BankFileErrorCodes.FILE_REFUSED,
        detailOf(body, `the bank refused the file (${answer.status})`),
        {
          msgId,
          status: answer.status,
          ...(typeof body?.code === 'string' ? { bankCode: body.code } : {}),
        },
      );
    }
    throw new TransientTransportError(
      `bank file transport: POST /files answered ${answer.status} (transient)`,
    );
  }

  async fetchReports(cursor: string | null): Promise<ReportBatch> {
    const query = cursor === null ? '' : `?after=${encodeURIComponent(cursor)}`;
    const listed = await this.call('GET', `/reports${query}`);
    const body = listed.status === 200 ? parseJson(listed.text) : undefined;
    if (!body || !Array.isArray(body.reports)) {
      throw new TransientTransportError(
        `bank file transport: GET /reports answered ${listed.status} (transient)`,
      );
    }
    const reports: IncomingBankReport[] = [];
    for (const r of body.reports as Array<{ id?: unknown }>) {
      if (typeof r.id !== 'string')
        throw new TransientTransportError('bank file transport: a listed report has no id');
      const one = await this.call('GET', `/reports/${encodeURIComponent(r.id)}`);
      if (one.status !== 200) {
        throw new TransientTransportError(
          `bank file transport: GET /reports/${r.id} answered ${one.status} (transient)`,
        );
      }
      reports.push({ id: r.id, xml: one.text });
    }
    const next = typeof body.next === 'string' ? body.next : cursor;
    return { reports, cursor: next };
  }

  private async call(method: 'GET' | 'POST', path: string, xml?: string): Promise<Answer> {
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: xml === undefined ? { accept: 'application/json' } : { 'content-type': 'application/xml' },
        body: xml,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      // Timeouts and refused or reset connections: whether a POST got through is unknown, so the
      // caller submits again and learns it from a 409.
      throw new TransientTransportError(
        `bank file transport: ${method} ${path} failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const detailOf = (body: Record<string, unknown> | undefined, fallback: string): string =>
  typeof body?.detail === 'string' && body.detail !== '' ? body.detail : fallback;
