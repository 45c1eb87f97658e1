import type { StatementSource } from '../../../ports/reconciliation.port';
import { TransientTransportError } from './bank-file-transport.errors';

/**
 * The bank's statements over HTTP (the sandbox bank's API): camt.054 notices from
 * GET /notifications?after=<cursor> and GET /notifications/:id, the closed days of an account from
 * GET /statements/days and each day's camt.053 from GET /statements. Any failure is transient:
 * the next pass asks again from the same cursor.
 */
export class HttpStatementSource implements StatementSource {
  private readonly baseUrl: string;

  constructor(private readonly options: { baseUrl: string; timeoutMs: number }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async notifications(cursor: string | null) {
    const query = `?limit=100${cursor === null ? '' : `&after=${encodeURIComponent(cursor)}`}`;
    const listed = await this.call(`/notifications${query}`);
    const body = JSON.parse(listed) as { notifications?: Array<{ id?: unknown }>; next?: unknown };
    if (!Array.isArray(body.notifications))
      throw new TransientTransportError('statement source: GET /notifications answered no list');
    const items: Array<{ id: string; xml: string }> = [];
    for (const n of body.notifications) {
      const id = String(n.id);
      items.push({ id, xml: await this.call(`/notifications/${encodeURIComponent(id)}`) });
    }
    return { items, cursor: typeof body.next === 'string' ? body.next : cursor };
  }

  async closedDays(account: string): Promise<string[]> {
    const body = JSON.parse(await this.call(`/statements/days?account=${encodeURIComponent(account)}`)) as {
      days?: Array<{ date?: unknown } | string>;
    };
    return (body.days ?? []).map((d) => (typeof d === 'string' ? d : String(d.date)));
  }

  statement(account: string, date: string): Promise<string> {
    return this.call(`/statements?account=${encodeURIComponent(account)}&date=${encodeURIComponent(date)}`);
  }

  private async call(path: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (e) {
      throw new TransientTransportError(
        `statement source: GET ${path.split('?')[0]} failed: ${(e as Error).message}`,
      );
    }
    const text = await res.text();
    if (res.status === 404) return this.missing(path, text);
    if (res.status !== 200)
      throw new TransientTransportError(`statement source: GET ${path.split('?')[0]} answered ${res.status}`);
    return text;
  }

  private missing(path: string, text: string): never {
    throw new TransientTransportError(
      `statement source: GET ${path.split('?')[0]} answered 404 ${text.slice(0, 200)}`,
    );
  }
}
