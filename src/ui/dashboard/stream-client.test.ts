import type { ClientMessage, EventMessage, ServerMessage } from '../stream-protocol';
import { StreamClient, type ConnectionState, type SocketLike } from './stream-client';

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

function setup(token: () => Promise<string | undefined> = async () => 'tok') {
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
});
