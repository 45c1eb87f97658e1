import type { Knex } from 'knex';
import { WebSocket } from 'ws';
import type { WsTokens } from '../../src/infra/auth/ws-token';
import { KnexEventLogReader } from '../../src/infra/db/event-log';
import type { EventNotifier } from '../../src/ports/event-log.port';
import { streamAuthenticator } from '../../src/processes/wiring/ui.component';
import { createUiServer } from '../../src/ui/server/create-ui-server';
import {
  createEventStream,
  type EventStream,
  type EventStreamDeps,
} from '../../src/ui/server/stream/event-stream.server';
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

export interface RunningStream {
  ws: string;
  http: string;
  stream: EventStream;
  notifier: EventNotifier;
  /** Stops the UI server, then the notifier. */
  stop(): Promise<void>;
}

/**
 * The live event stream over `db` on a UI server of its own, woken by `notifier` (started here),
 * admitting `tokens`' stream tokens. A long poll unless `opts` says otherwise: deliveries in these
 * tests must come from the notifier's wake-ups.
 */
export async function startTestStream(
  db: Knex,
  notifier: EventNotifier,
  tokens: WsTokens,
  opts: Partial<EventStreamDeps> = {},
): Promise<RunningStream> {
  await notifier.start();
  const stream = createEventStream({
    events: new KnexEventLogReader(db),
    notifier,
    authenticate: streamAuthenticator(tokens),
    pollIntervalMs: 60_000,
    ...opts,
  });
  const ui = createUiServer({ stream });
  const http = await ui.start(0, '127.0.0.1');
  return {
    ws: http.replace(/^http/, 'ws'),
    http,
    stream,
    notifier,
    stop: async () => {
      await ui.stop();
      await notifier.stop();
    },
  };
}
