import type { ClientMessage, EventMessage, ServerMessage } from '../stream-protocol';
import { StreamClient, type ConnectionState, type SocketLike, type StreamToken } from './stream-client';

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  sent: ClientMessage[] = [];
  closed = false;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.({});
  }
  open(): void {
    this.onopen?.({});
  }
  receive(msg: ServerMessage): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  event(position: number): void {
    this.receive({
      type: 'event',
      position,
      event: {
        id: `e${position}`,
        type: 'PaymentCreated',
        occurredAt: '2026-01-01T00:00:00.000Z',
        aggregate: { type: 'Payment', id: 'p' },
        partnerId: null,
        data: {},
        workflowId: null,
        runId: null,
      },
    });
  }
}

function setup(token: () => Promise<StreamToken | undefined> = async () => ({ token: 'tok' })) {
  const sockets: FakeSocket[] = [];
  const delivered: number[] = [];
  const states: ConnectionState[] = [];
  const client = new StreamClient({
    url: 'ws://ui.test/ws',
    token,
    onEvents: (batch: EventMessage[]) => delivered.push(...batch.map((m) => m.position)),
    onState: (s) => states.push(s),
    isFatal: (e) => e instanceof Error && e.message === 'unauthorized',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    random: () => 0.5,
    flushMs: 10,
  });
  return { client, sockets, delivered, states };
}

describe('StreamClient', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('subscribes from the start, then resumes after the last delivered position without repeats', async () => {
    const { client, sockets, delivered, states } = setup();
    client.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(sockets[0]!.url).toBe('ws://ui.test/ws?token=tok');
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([{ type: 'subscribe', since: 0 }]);
    sockets[0]!.event(1);
    sockets[0]!.event(2);
    sockets[0]!.receive({ type: 'ready', position: 2 });
    expect(states.at(-1)).toBe('live');
    sockets[0]!.event(3);
    sockets[0]!.close();
    expect(states.at(-1)).toBe('reconnecting');

    await jest.advanceTimersByTimeAsync(1_000);
    const second = sockets[1]!;
    second.open();
    expect(second.sent).toEqual([{ type: 'subscribe', since: 3 }]);
    second.event(3);
    second.event(4);
    second.receive({ type: 'ready', position: 4 });
    await jest.advanceTimersByTimeAsync(20);
    expect(delivered).toEqual([1, 2, 3, 4]);
    expect(client.position).toBe(4);
    client.stop();
  });

  it('backs off exponentially while the server is away, and resets once live', async () => {
    const { client, sockets } = setup();
    client.start();
    await jest.advanceTimersByTimeAsync(0);
    const gaps: number[] = [];
    let last = Date.now();
    for (let i = 0; i < 4; i++) {
      sockets.at(-1)!.close();
      const before = sockets.length;
      while (sockets.length === before) await jest.advanceTimersByTimeAsync(50);
      gaps.push(Date.now() - last);
      last = Date.now();
    }
    // random() = 0.5 → 3/4 of each ceiling: 500, 1000, 2000, 4000 ms
    expect(gaps.map((g) => Math.round(g / 50) * 50)).toEqual([400, 750, 1500, 3000]);
    sockets.at(-1)!.open();
    sockets.at(-1)!.receive({ type: 'ready', position: 0 });
    sockets.at(-1)!.close();
    const before = sockets.length;
    await jest.advanceTimersByTimeAsync(400);
    expect(sockets.length).toBe(before + 1);
    client.stop();
  });

  it('resubscribes after a slow-consumer error from the position the server names', async () => {
    const { client, sockets } = setup();
    client.start();
    await jest.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    sockets[0]!.event(1);
    sockets[0]!.receive({ type: 'error', code: 'SLOW_CONSUMER', message: 'slow', resumeFrom: 1 });
    expect(sockets[0]!.closed).toBe(true);
    await jest.advanceTimersByTimeAsync(1_000);
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([{ type: 'subscribe', since: 1 }]);
    client.stop();
  });

  it('connects without a token when the API has none to give, and goes offline on a refused key', async () => {
    const open = setup(async () => undefined);
    open.client.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(open.sockets[0]!.url).toBe('ws://ui.test/ws');
    open.client.stop();

    const refused = setup(async () => {
      throw new Error('unauthorized');
    });
    refused.client.start();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(refused.sockets).toHaveLength(0);
    expect(refused.states).toEqual(['connecting', 'offline']);
  });

  it('stays quiet after stop()', async () => {
    const { client, sockets, states } = setup();
    client.start();
    await jest.advanceTimersByTimeAsync(0);
    client.stop();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(sockets).toHaveLength(1);
    expect(states).toEqual(['connecting']);
  });

  describe('re-authentication on the open socket', () => {
    const TTL = 300_000;
    /** Hands out tok1, tok2, … each expiring TTL after it is issued (by the faked clock). */
    function issuing(fail?: (n: number) => Error | undefined) {
      let n = 0;
      return jest.fn(async (): Promise<StreamToken> => {
        n += 1;
        const error = fail?.(n);
        if (error) throw error;
        return { token: `tok${n}`, expiresAt: new Date(Date.now() + TTL).toISOString() };
      });
    }

    it('sends a fresh token a minute before each expiry, on the same socket', async () => {
      const token = issuing();
      const { client, sockets, states } = setup(token);
      client.start();
      await jest.advanceTimersByTimeAsync(0);
      sockets[0]!.open();
      sockets[0]!.receive({ type: 'ready', position: 0 });
      expect(token).toHaveBeenCalledTimes(1);

      await jest.advanceTimersByTimeAsync(TTL - 60_000 - 1);
      expect(sockets[0]!.sent).toEqual([{ type: 'subscribe', since: 0 }]);
      await jest.advanceTimersByTimeAsync(1);
      expect(sockets[0]!.sent.at(-1)).toEqual({ type: 'authenticate', token: 'tok2' });
      // And again before tok2 expires (issued at TTL - 60 s).
      await jest.advanceTimersByTimeAsync(TTL - 60_000);
      expect(sockets[0]!.sent.at(-1)).toEqual({ type: 'authenticate', token: 'tok3' });
      expect(sockets).toHaveLength(1);
      expect(states).toEqual(['connecting', 'live']);
      client.stop();
      await jest.advanceTimersByTimeAsync(TTL * 3);
      expect(token).toHaveBeenCalledTimes(3);
    });

    it('goes offline and closes the socket when the key is refused at refresh time', async () => {
      const token = issuing((n) => (n === 2 ? new Error('unauthorized') : undefined));
      const { client, sockets, states } = setup(token);
      client.start();
      await jest.advanceTimersByTimeAsync(0);
      sockets[0]!.open();
      sockets[0]!.receive({ type: 'ready', position: 0 });
      await jest.advanceTimersByTimeAsync(TTL);
      expect(sockets[0]!.closed).toBe(true);
      expect(states.at(-1)).toBe('offline');
      await jest.advanceTimersByTimeAsync(60_000);
      expect(sockets).toHaveLength(1);
      expect(token).toHaveBeenCalledTimes(2);
    });

    it('retries a failed refresh while the socket lives, and reconnects if the server closes it at expiry', async () => {
      const token = issuing((n) => (n >= 2 && n <= 4 ? new Error('API unreachable') : undefined));
      const { client, sockets } = setup(token);
      client.start();
      await jest.advanceTimersByTimeAsync(0);
      sockets[0]!.open();
      sockets[0]!.event(1);
      sockets[0]!.receive({ type: 'ready', position: 1 });
      await jest.advanceTimersByTimeAsync(TTL - 60_000);
      expect(token).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(5_000);
      expect(token).toHaveBeenCalledTimes(3);
      // The server gives up first: TOKEN_EXPIRED, then close 4401; the client resumes on a new socket.
      sockets[0]!.receive({ type: 'error', code: 'TOKEN_EXPIRED', message: 'expired', resumeFrom: 1 });
      expect(sockets[0]!.closed).toBe(true);
      await jest.advanceTimersByTimeAsync(10_000);
      // The pending retry died with the socket: no authenticate was sent on a dead one.
      expect(sockets[0]!.sent.filter((m) => m.type === 'authenticate')).toEqual([]);
      const second = sockets[1]!;
      expect(second.url).toBe('ws://ui.test/ws?token=tok5');
      second.open();
      expect(second.sent).toEqual([{ type: 'subscribe', since: 1 }]);
      client.stop();
    });

    it('does not refresh a token without an expiry, and never more often than every 5 s', async () => {
      const plain = setup(async () => ({ token: 'forever' }));
      plain.client.start();
      await jest.advanceTimersByTimeAsync(0);
      plain.sockets[0]!.open();
      await jest.advanceTimersByTimeAsync(24 * 3_600_000);
      expect(plain.sockets[0]!.sent).toEqual([{ type: 'subscribe', since: 0 }]);
      plain.client.stop();

      // A clock far ahead of the API's: every token looks expired already.
      const past = jest.fn(async () => ({
        token: 't',
        expiresAt: new Date(Date.now() - 3_600_000).toISOString(),
      }));
      const skewed = setup(past);
      skewed.client.start();
      await jest.advanceTimersByTimeAsync(0);
      skewed.sockets[0]!.open();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(past.mock.calls.length).toBeLessThanOrEqual(1 + 60_000 / 5_000);
      skewed.client.stop();
    });
  });
});
