import { WebSocket } from 'ws';
import type {
  ClientMessage,
  ErrorMessage,
  EventMessage,
  ReadyMessage,
  ServerMessage,
} from '../../src/ui/stream-protocol';

/** A real websocket client of the live event stream that records everything it receives. */
export class StreamTestClient {
  readonly received: ServerMessage[] = [];
  private closeInfo: { code: number; reason: string } | undefined;
  private readonly closedPromise: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.received.push(JSON.parse(String(data)) as ServerMessage));
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      }),
    );
  }

  /**
   * Opens `/ws`; rejects with the HTTP status when the upgrade is refused. `headers` are sent with
   * the upgrade request (say `origin`, or `x-forwarded-for`).
   */
  static open(
    base: string,
    tokenValue?: string,
    headers: Record<string, string> = {},
  ): Promise<StreamTestClient> {
    const url =
      tokenValue === undefined ? `${base}/ws` : `${base}/ws?token=${encodeURIComponent(tokenValue)}`;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      const client = new StreamTestClient(socket);
      socket.once('open', () => resolve(client));
      socket.on('error', (err) => reject(err));
    });
  }

  send(message: ClientMessage | string | Buffer): void {
    this.socket.send(
      typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message),
    );
  }

  events(): EventMessage[] {
    return this.received.filter((m): m is EventMessage => m.type === 'event');
  }

  errors(): ErrorMessage[] {
    return this.received.filter((m): m is ErrorMessage => m.type === 'error');
  }

  readies(): ReadyMessage[] {
    return this.received.filter((m): m is ReadyMessage => m.type === 'ready');
  }

  hasEvent(id: string): boolean {
    return this.received.some((m) => m.type === 'event' && m.event.id === id);
  }

  isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** The close code and reason, once closed. */
  closedWith(): { code: number; reason: string } | undefined {
    return this.closeInfo;
  }

  closed(): Promise<{ code: number; reason: string }> {
    return this.closedPromise;
  }

  async close(): Promise<void> {
    if (!this.closeInfo) this.socket.close(1000);
    await this.closedPromise;
  }

  /** Stops reading from the TCP socket: the server's frames pile up in the kernel, then in its buffer. */
  pause(): void {
    (this.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resume(): void {
    (this.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  }
}

export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
