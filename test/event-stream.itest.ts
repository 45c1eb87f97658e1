import type { Knex } from 'knex';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { WebSocket } from 'ws';
import type { DomainEvent } from '../src/domain/domain-event';
import type { Principal } from '../src/ports/principal';
import { WsTokens } from '../src/infra/auth/ws-token';
import { migrateToLatest } from '../src/infra/db/database';
import { openDatabase } from '../src/shared/db/knex-database';
import { lastEventPosition } from '../src/infra/db/event-log';
import { InProcessNotifier, PgListenNotifier } from '../src/infra/db/event-notifier';
import type { EventNotifier } from '../src/ports/event-log.port';
import { KnexUnitOfWork } from '../src/infra/db/unit-of-work';
import { createUiServer, type UiServer } from '../src/ui/server/create-ui-server';
import type { EventStreamDeps } from '../src/ui/server/stream/event-stream.server';
import type { EventMessage } from '../src/ui/stream-protocol';
import { startTestStream, StreamTestClient, until, type RunningStream } from './support/stream-test-client';
import { describeWithPostgres } from './support/test-env';

// Concurrent writers, megabytes of padding, reconnect backoffs: well above jest's default 5 s.
jest.setTimeout(60_000);

const tokens = new WsTokens('event-stream-itest-secret-0123456789');
const token = (p: Principal): string => tokens.issue(p).token;
const ADMIN = token({ name: 'ops', role: 'admin' });
const unique = (prefix: string): string => `${prefix}-${globalThis.crypto.randomUUID().slice(0, 8)}`;

// ---------------------------------------------------------------------------------------------
// Engines: PGlite with the in-process notifier, PostgreSQL with LISTEN/NOTIFY.

interface Engine {
  db: Knex;
  uow: KnexUnitOfWork;
  /** A second writer's unit of work (the notification service has its own). */
  otherUow: KnexUnitOfWork;
  newNotifier(): EventNotifier;
  close(): Promise<void>;
}

async function pgliteEngine(): Promise<Engine> {
  const db = openDatabase({ kind: 'pglite', dir: null });
  await migrateToLatest(db);
  const uow = new KnexUnitOfWork(db);
  const otherUow = new KnexUnitOfWork(db);
  return {
    db,
    uow,
    otherUow,
    newNotifier: () => new InProcessNotifier([uow, otherUow]),
    close: () => db.destroy(),
  };
}

async function postgresEngine(url: string): Promise<Engine> {
  const db = openDatabase({ kind: 'postgres', url });
  await migrateToLatest(db);
  return {
    db,
    uow: new KnexUnitOfWork(db),
    otherUow: new KnexUnitOfWork(db),
    newNotifier: () => new PgListenNotifier({ connection: url, minBackoffMs: 50, maxBackoffMs: 500 }),
    close: () => db.destroy(),
  };
}

// ---------------------------------------------------------------------------------------------
// Writing events the way activities do: through the unit of work, several per transaction at times.

function domainEvent(
  partnerId: string | null,
  data: Record<string, unknown> = {},
  aggregateId?: string,
): DomainEvent {
  return {
    id: globalThis.crypto.randomUUID(),
    type: 'StreamTestEvent',
    occurredAt: new Date().toISOString(),
    aggregate: { type: 'Payment', id: aggregateId ?? globalThis.crypto.randomUUID() },
    partnerId,
    data,
  };
}

async function append(uow: KnexUnitOfWork, events: DomainEvent[]): Promise<void> {
  await uow.run(({ events: log }) => log.append(events, { workflowId: 'wf-stream-test', runId: null }));
}

/** `writers` concurrent writers, each committing `perWriter` events in transactions of 1 or 2. */
async function writeConcurrently(
  uow: KnexUnitOfWork,
  partnerId: string,
  writers: number,
  perWriter: number,
): Promise<DomainEvent[]> {
  const written: DomainEvent[] = [];
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let seq = 0; seq < perWriter;) {
        const size = seq % 3 === 0 && seq + 1 < perWriter ? 2 : 1;
        const batch = Array.from({ length: size }, (_x, k) =>
          domainEvent(partnerId, { writer: w, seq: seq + k }),
        );
        await append(uow, batch);
        written.push(...batch);
        seq += size;
      }
    }),
  );
  return written;
}

/** Strictly increasing positions (so no duplicates) and exactly the expected events, as a set. */
function expectExactly(events: EventMessage[], expected: DomainEvent[]): void {
  const positions = events.map((e) => e.position);
  for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]!);
  expect(events.map((e) => e.event.id).sort()).toEqual(expected.map((e) => e.id).sort());
}

/** Each writer is sequential, so its events must appear in the order it wrote them. */
function expectWriterOrder(events: EventMessage[]): void {
  const lastSeq = new Map<unknown, number>();
  for (const { event } of events) {
    if (typeof event.data.seq !== 'number') continue;
    expect(event.data.seq).toBeGreaterThan(lastSeq.get(event.data.writer) ?? -1);
    lastSeq.set(event.data.writer, event.data.seq);
  }
}

// ---------------------------------------------------------------------------------------------

const startStream = (
  db: Knex,
  notifier: EventNotifier,
  opts: Partial<EventStreamDeps> = {},
): Promise<RunningStream> => startTestStream(db, notifier, tokens, opts);

/** Reads `filter` from the start, dropping the connection after `breaks` events and resuming from the last seen. */
async function readWithReconnects(
  base: string,
  partnerId: string,
  sentinelId: string,
  breaks: number[],
): Promise<{ events: EventMessage[]; connections: number }> {
  const seen: EventMessage[] = [];
  let since = 0;
  let connections = 0;
  for (const breakAt of [...breaks, Number.POSITIVE_INFINITY]) {
    const client = await StreamTestClient.open(base, ADMIN);
    connections += 1;
    // Dropped abruptly from the message handler itself, so the break lands mid-stream whatever the timing.
    client.socket.on('message', () => {
      if (seen.length + client.events().length >= breakAt) client.socket.terminate();
    });
    client.send({ type: 'subscribe', since, filter: { partnerId } });
    await until(
      () => client.socket.readyState === WebSocket.CLOSED || client.hasEvent(sentinelId),
      `reconnecting reader to reach ${breakAt} events`,
    );
    await client.close();
    seen.push(...client.events());
    since = seen.at(-1)?.position ?? since;
    if (seen.some((e) => e.event.id === sentinelId)) break;
  }
  return { events: seen, connections };
}

function streamSuite(openEngine: () => Promise<Engine>): void {
  let engine: Engine;
  let server: RunningStream;

  beforeAll(async () => {
    engine = await openEngine();
    // Small batches: replays and the tail cross many batch boundaries while writers commit.
    server = await startStream(engine.db, engine.newNotifier(), { batchSize: 7 });
  });
  afterAll(async () => {
    await server?.stop();
    await engine?.close();
  });

  it('gives every subscriber exactly the events of concurrent writers, in position order, across replay, reconnects and re-subscribes', async () => {
    const partner = unique('evs');
    const decoy = unique('decoy');
    const history = [domainEvent(partner, { phase: 'history' }), domainEvent(partner, { phase: 'history' })];
    await append(engine.uow, history);
    await append(engine.uow, [domainEvent(decoy)]);
    const startedAt = await lastEventPosition(engine.db);
    const sentinel = domainEvent(partner, { phase: 'sentinel' });

    // From the start, unfiltered: sees the whole log, which is gap-free.
    const everything = await StreamTestClient.open(server.ws, ADMIN);
    everything.send({ type: 'subscribe', since: 0 });
    // A partner token: pinned to its own partner without asking.
    const partnerView = await StreamTestClient.open(
      server.ws,
      token({ name: 'p', role: 'partner', partnerId: partner }),
    );
    partnerView.send({ type: 'subscribe' });
    // Watches the decoy first, then re-subscribes on the same socket to the partner.
    const switcher = await StreamTestClient.open(server.ws, ADMIN);
    switcher.send({ type: 'subscribe', since: 0, filter: { partnerId: decoy } });
    await until(() => switcher.readies().length === 1, 'the first ready');
    await until(() => everything.readies().length === 1 && partnerView.readies().length === 1, 'ready');
    expect(everything.readies()[0]!.position).toBeGreaterThanOrEqual(startedAt);

    const reconnecting = readWithReconnects(server.ws, partner, sentinel.id, [40, 180]);
    const writing = writeConcurrently(engine.uow, partner, 8, 50);
    // Joins while the writers are busy: its replay races the commits.
    await until(() => partnerView.events().length >= 100, 'partner view to see 100 events');
    const late = await StreamTestClient.open(server.ws, ADMIN);
    late.send({ type: 'subscribe', since: 0, filter: { partnerId: partner } });
    switcher.send({ type: 'subscribe', since: 0, filter: { partnerId: partner } });
    const switchedAt = switcher.received.length;
    await append(engine.uow, [domainEvent(decoy)]);

    const written = await writing;
    await append(engine.uow, [sentinel]);
    const expected = [...history, ...written, sentinel];
    expect(expected).toHaveLength(403);

    for (const c of [everything, partnerView, switcher, late])
      await until(() => c.hasEvent(sentinel.id), 'the sentinel event');
    // A replay may deliver the sentinel itself and join the tail a moment later.
    await until(() => switcher.readies().length === 2 && late.readies().length === 1, 'the replays to end');
    const mine = (c: StreamTestClient): EventMessage[] =>
      c.events().filter((e) => e.event.partnerId === partner);

    expectExactly(mine(everything), expected);
    expectExactly(partnerView.events(), expected);
    expectExactly(late.events(), expected);
    expectExactly(mine(switcher), expected);
    expectWriterOrder(late.events());
    const { events: resumed, connections } = await reconnecting;
    expect(connections).toBe(3);
    expectExactly(resumed, expected);

    // The unfiltered stream is the log itself: consecutive positions, nothing skipped, nothing twice.
    const all = everything.events().map((e) => e.position);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    // After the switch's `ready`, only the new filter's events.
    const afterSwitch = switcher.received.slice(switchedAt);
    const secondReady = afterSwitch.findIndex((m) => m.type === 'ready');
    expect(secondReady).toBeGreaterThanOrEqual(0);
    expect(
      afterSwitch.slice(secondReady).every((m) => m.type !== 'event' || m.event.partnerId === partner),
    ).toBe(true);
    // The wire shape of one event, as written.
    expect(late.events().find((e) => e.event.id === sentinel.id)).toEqual({
      type: 'event',
      position: expect.any(Number),
      event: {
        id: sentinel.id,
        type: 'StreamTestEvent',
        occurredAt: sentinel.occurredAt,
        aggregate: sentinel.aggregate,
        partnerId: partner,
        data: { phase: 'sentinel' },
        workflowId: 'wf-stream-test',
        runId: null,
      },
    });
    for (const c of [everything, partnerView, switcher, late]) {
      expect(c.errors()).toEqual([]);
      await c.close();
    }
  });

  it('answers ready with a position to resume from, and resuming from it loses nothing', async () => {
    const partner = unique('ready');
    await append(engine.uow, [domainEvent(partner), domainEvent(partner)]);
    const first = await StreamTestClient.open(server.ws, ADMIN);
    first.send({ type: 'subscribe', since: 0, filter: { partnerId: partner } });
    await until(() => first.readies().length === 1, 'ready');
    const ready = first.readies()[0]!;
    // Whatever was committed before the subscribe is replayed before `ready`, not trickled in after.
    expect(first.received.map((m) => m.type)).toEqual(['event', 'event', 'ready']);
    expect(ready.position).toBeGreaterThanOrEqual(first.events()[1]!.position);
    await first.close();

    const later = domainEvent(partner);
    await append(engine.otherUow, [later]);
    const second = await StreamTestClient.open(server.ws, ADMIN);
    second.send({ type: 'subscribe', since: ready.position, filter: { partnerId: partner } });
    await until(() => second.hasEvent(later.id), 'the event written while away');
    expect(second.events().map((e) => e.event.id)).toEqual([later.id]);
    await second.close();
  });

  it('refuses the upgrade without a valid token (HTTP 401)', async () => {
    const expired = new WsTokens('event-stream-itest-secret-0123456789', 1_000, () => Date.now() - 60_000);
    for (const bad of [
      undefined,
      '',
      'garbage',
      `${ADMIN}x`,
      expired.issue({ name: 'old', role: 'admin' }).token,
    ]) {
      await expect(StreamTestClient.open(server.ws, bad)).rejects.toThrow(/401/);
    }
    await expect(StreamTestClient.open(server.ws.replace(/$/, '/elsewhere'), ADMIN)).rejects.toThrow(/404/);
  });

  it("keeps a partner to its own events and refuses another partner's filter", async () => {
    const mine = unique('own');
    const theirs = unique('other');
    const client = await StreamTestClient.open(
      server.ws,
      token({ name: 'p', role: 'partner', partnerId: mine }),
    );
    client.send({ type: 'subscribe', since: 0, filter: { partnerId: theirs } });
    await until(() => client.errors().length === 1, 'FORBIDDEN_FILTER');
    expect(client.errors()[0]).toMatchObject({ type: 'error', code: 'FORBIDDEN_FILTER' });
    expect(client.isOpen()).toBe(true);

    client.send({ type: 'subscribe', since: 0, filter: { partnerId: mine } });
    await until(() => client.readies().length === 1, 'ready');
    const own = domainEvent(mine);
    await append(engine.uow, [domainEvent(theirs), own, domainEvent(null), domainEvent(theirs)]);
    const fence = domainEvent(mine);
    await append(engine.uow, [fence]);
    await until(() => client.hasEvent(fence.id), 'own events');
    expect(client.events().map((e) => e.event.id)).toEqual([own.id, fence.id]);
    await client.close();
  });

  it('answers malformed messages with MALFORMED_MESSAGE and keeps the socket usable', async () => {
    const client = await StreamTestClient.open(server.ws, ADMIN);
    const bad: Array<string | Buffer> = [
      'not json',
      '{"type":"subscribe"',
      '[]',
      'null',
      JSON.stringify({ type: 'unsubscribe' }),
      JSON.stringify({ type: 'subscribe', since: -1 }),
      JSON.stringify({ type: 'subscribe', since: 1.5 }),
      JSON.stringify({ type: 'subscribe', since: '3' }),
      JSON.stringify({ type: 'subscribe', filter: { partner: 'x' } }),
      JSON.stringify({ type: 'subscribe', filter: { partnerId: 'x'.repeat(65) } }),
      JSON.stringify({ type: 'subscribe', filter: { partnerId: 'x' }, pad: 'y'.repeat(100_000) }),
      Buffer.from([0xde, 0xad, 0xbe, 0xef]),
    ];
    for (const message of bad) client.send(message);
    await until(() => client.errors().length === bad.length, 'one error per bad message');
    expect(client.errors().every((e) => e.code === 'MALFORMED_MESSAGE' && e.message.length > 0)).toBe(true);
    expect(client.isOpen()).toBe(true);

    const partner = unique('mal');
    client.send({ type: 'subscribe', since: 0, filter: { partnerId: partner } });
    await until(() => client.readies().length === 1, 'ready after the bad messages');
    const event = domainEvent(partner);
    await append(engine.uow, [event]);
    await until(() => client.hasEvent(event.id), 'a live event');
    await client.close();
  });

  it('cuts off a consumer that stops reading with SLOW_CONSUMER and resumeFrom, without losing anything on resume', async () => {
    const lines: Array<{ msg?: string; resumeFrom?: number }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const slow = await startStream(engine.db, engine.newNotifier(), {
      maxBufferedBytes: 64 * 1024,
      logger,
      // Bursts of a few events: the bystander shares this process, so it cannot read during one.
      batchSize: 4,
    });
    const bystander = await StreamTestClient.open(slow.ws, ADMIN);
    try {
      const partner = unique('slow');
      const client = await StreamTestClient.open(slow.ws, ADMIN);
      client.send({ type: 'subscribe', since: 0, filter: { partnerId: partner } });
      bystander.send({ type: 'subscribe', since: 0, filter: { partnerId: partner } });
      await until(() => client.readies().length === 1 && bystander.readies().length === 1, 'ready');
      client.pause();

      // ~10 MB: more than the kernel buffers between the two ends, so the server's queue grows.
      const padding = 'x'.repeat(48 * 1024);
      const written: DomainEvent[] = [];
      for (let batch = 0; batch < 20; batch++) {
        const events = Array.from({ length: 10 }, (_, i) =>
          domainEvent(partner, { padding, n: batch * 10 + i }),
        );
        await append(engine.uow, events);
        written.push(...events);
      }
      await until(
        () => lines.some((l) => l.msg === 'slow stream consumer disconnected'),
        'the slow-consumer log',
      );
      // The well-behaved client on the same server got everything meanwhile.
      await until(() => bystander.events().length === written.length, 'the bystander to get everything');
      expectExactly(bystander.events(), written);

      client.resume();
      const { code } = await client.closed();
      expect(code).toBe(4408);
      const error = client.errors()[0];
      expect(error).toMatchObject({ type: 'error', code: 'SLOW_CONSUMER', resumeFrom: expect.any(Number) });
      expect(client.received.at(-1)).toEqual(error);
      const got = client.events();
      expect(got.length).toBeLessThan(written.length);
      expect(got.at(-1)?.position ?? 0).toBe(error!.resumeFrom);
      expect(got.map((e) => e.event.id)).toEqual(written.slice(0, got.length).map((e) => e.id));

      const again = await StreamTestClient.open(slow.ws, ADMIN);
      again.send({ type: 'subscribe', since: error!.resumeFrom, filter: { partnerId: partner } });
      await until(() => again.hasEvent(written.at(-1)!.id), 'the rest after resuming');
      expectExactly([...got, ...again.events()], written);
      await again.close();
    } finally {
      await bystander.close();
      await slow.stop();
    }
  });

  it('terminates sockets that stop answering heartbeats and keeps the ones that answer', async () => {
    const beating = await startStream(engine.db, engine.newNotifier(), { heartbeatMs: 100 });
    try {
      const healthy = await StreamTestClient.open(beating.ws, ADMIN);
      const silent = await StreamTestClient.open(beating.ws, ADMIN);
      await until(() => beating.stream.clientCount() === 2, 'two clients');
      silent.pause();
      await until(() => beating.stream.clientCount() === 1, 'the silent client to be dropped', 5_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(healthy.isOpen()).toBe(true);
      expect(beating.stream.clientCount()).toBe(1);
      silent.resume();
      await silent.closed();
      await healthy.close();
    } finally {
      await beating.stop();
    }
  });

  it('closes websockets with 1001 when the UI server stops', async () => {
    const doomed = await startStream(engine.db, engine.newNotifier());
    const client = await StreamTestClient.open(doomed.ws, ADMIN);
    client.send({ type: 'subscribe' });
    await until(() => client.readies().length === 1, 'ready');
    await doomed.stop();
    expect((await client.closed()).code).toBe(1001);
    expect(doomed.stream.clientCount()).toBe(0);
  });
}

describe('live event stream on PGlite (in-process notifier)', () => {
  streamSuite(pgliteEngine);
});

describeWithPostgres('live event stream on PostgreSQL (LISTEN/NOTIFY)', (url) => {
  streamSuite(() => postgresEngine(url));

  describe('across instances and connection losses', () => {
    let engine: Engine;
    beforeAll(async () => {
      engine = await postgresEngine(url);
    });
    afterAll(async () => {
      await engine?.close();
    });

    it('two UI server instances on one database deliver identical streams', async () => {
      const otherDb = openDatabase({ kind: 'postgres', url });
      const a = await startStream(engine.db, engine.newNotifier());
      const b = await startStream(otherDb, new PgListenNotifier({ connection: url }));
      try {
        const since = await lastEventPosition(engine.db);
        const [ca, cb] = [await StreamTestClient.open(a.ws, ADMIN), await StreamTestClient.open(b.ws, ADMIN)];
        ca.send({ type: 'subscribe', since });
        cb.send({ type: 'subscribe', since });
        const partner = unique('twin');
        const written = await writeConcurrently(engine.uow, partner, 6, 30);
        const sentinel = domainEvent(partner);
        await append(engine.uow, [sentinel]);
        await until(() => ca.hasEvent(sentinel.id) && cb.hasEvent(sentinel.id), 'the sentinel on both');
        const upTo = (c: StreamTestClient): Array<[number, string]> => {
          const end = c.events().find((e) => e.event.id === sentinel.id)!.position;
          return c
            .events()
            .filter((e) => e.position <= end)
            .map((e) => [e.position, e.event.id]);
        };
        expect(upTo(ca)).toEqual(upTo(cb));
        expect(upTo(ca).map(([p]) => p)).toEqual(
          Array.from({ length: upTo(ca).length }, (_, i) => since + i + 1),
        );
        expectExactly(
          ca.events().filter((e) => e.event.partnerId === partner),
          [...written, sentinel],
        );
        await ca.close();
        await cb.close();
      } finally {
        await a.stop();
        await b.stop();
        await otherDb.destroy();
      }
    });

    it('the LISTEN notifier reconnects after its connection is killed and the stream catches up', async () => {
      const appName = unique('evs-listener');
      const notifier = new PgListenNotifier({
        connection: { connectionString: url, application_name: appName },
        minBackoffMs: 300,
        maxBackoffMs: 600,
      });
      const running = await startStream(engine.db, notifier);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const partner = unique('reconnect');
        const client = await StreamTestClient.open(running.ws, ADMIN);
        client.send({ type: 'subscribe', since: 0, filter: { partnerId: partner } });
        await until(() => client.readies().length === 1, 'ready');
        const before = domainEvent(partner);
        await append(engine.uow, [before]);
        await until(() => client.hasEvent(before.id), 'a live event before the cut');

        const backend = async (): Promise<number[]> =>
          (
            await admin.query<{ pid: number }>(
              'select pid from pg_stat_activity where application_name = $1',
              [appName],
            )
          ).rows.map((r) => r.pid);
        const [pid] = await backend();
        expect(pid).toBeDefined();
        await admin.query('select pg_terminate_backend($1)', [pid]);
        await until(() => !notifier.isListening(), 'the notifier to notice the cut', 5_000);
        // Committed while nobody listens: its notification is lost; the reconnect wake-up finds it.
        const during = domainEvent(partner);
        await append(engine.uow, [during]);
        await until(() => notifier.isListening(), 'the notifier to listen again', 10_000);
        expect((await backend()).filter((p) => p !== pid)).toHaveLength(1);
        await until(() => client.hasEvent(during.id), 'the event committed during the cut', 10_000);
        const after = domainEvent(partner);
        await append(engine.uow, [after]);
        await until(() => client.hasEvent(after.id), 'a live event after the reconnect', 10_000);
        expect(client.events().map((e) => e.event.id)).toEqual([before.id, during.id, after.id]);
        await client.close();
      } finally {
        await admin.end();
        await running.stop();
      }
    });
  });
});

describe('UI server HTTP', () => {
  let dir: string;
  let ui: UiServer;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-ui-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dashboard</title>');
    writeFileSync(join(dir, 'app.js'), 'console.log("app");');
    writeFileSync(join(dir, 'app.css'), 'body{}');
    writeFileSync(join(dir, '.secret'), 'hidden');
    ui = createUiServer({
      staticDir: dir,
      publicConfig: { apiUrl: 'http://api.example', namespace: 'default' },
    });
    base = await ui.start(0, '127.0.0.1');
  });
  afterAll(async () => {
    await ui?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A raw request, so paths like `/../x` reach the server unnormalised. */
  const get = (
    path: string,
    method = 'GET',
    headers: Record<string, string> = {},
  ): Promise<{ status: number; type?: string; body: string; headers: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const { hostname, port } = new URL(base);
      const req = request({ host: hostname, port, path, method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            body,
            headers: res.headers,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  it('serves the dashboard, its assets with their content types, config and health', async () => {
    expect(await get('/')).toMatchObject({
      status: 200,
      type: 'text/html; charset=utf-8',
      body: expect.stringContaining('dashboard'),
    });
    expect(await get('/app.js')).toMatchObject({
      status: 200,
      type: 'text/javascript; charset=utf-8',
      body: 'console.log("app");',
    });
    expect(await get('/app.css?v=1')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
    const config = await get('/config.json');
    expect(config.type).toMatch(/^application\/json/);
    expect(JSON.parse(config.body)).toEqual({ apiUrl: 'http://api.example', namespace: 'default' });
    expect(JSON.parse((await get('/healthz')).body)).toEqual({ status: 'up' });
    expect(await get('/app.js', 'HEAD')).toMatchObject({ status: 200, body: '' });
  });

  it('sends a strict CSP, no referrer, nosniff and no framing with every answer, and never lets the page be stored', async () => {
    const page = await get('/');
    const csp = String(page.headers['content-security-policy']);
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values] as const;
      }),
    );
    const { host } = new URL(base);
    expect(Object.fromEntries(directives)).toEqual({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'"],
      'connect-src': ["'self'", `ws://${host}`, `wss://${host}`, 'http://api.example'],
      'manifest-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
    expect(page.headers).toMatchObject({
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    expect((await get('/index.html')).headers['cache-control']).toBe('no-store');
    expect((await get('/app.js')).headers['cache-control']).toBe('no-cache');
    // Every answer, errors and JSON included.
    for (const path of ['/app.js', '/config.json', '/nope', '/healthz']) {
      const res = await get(path);
      expect([path, res.headers['content-security-policy']]).toEqual([path, csp]);
      expect([path, res.headers['x-content-type-options']]).toEqual([path, 'nosniff']);
    }
    // A Host header that is not a plain host[:port] never makes it into the policy.
    const forged = await get('/', 'GET', { host: "evil.example; script-src 'unsafe-inline'" });
    expect(forged.headers['content-security-policy']).not.toMatch(/evil|unsafe/);
  });

  it('answers problem+json 404 for anything else, traversal attempts included', async () => {
    for (const path of [
      '/nope.js',
      '/../package.json',
      '/%2e%2e/package.json',
      '/..%2fpackage.json',
      '/%2e%2e%2f%2e%2e%2fetc/passwd',
      '/.secret',
      '/app.js%00.css',
    ]) {
      const res = await get(path);
      expect([path, res.status, res.type]).toEqual([path, 404, 'application/problem+json']);
      expect(JSON.parse(res.body)).toMatchObject({ status: 404 });
    }
    expect((await get('/%E0%A4%A', 'GET')).status).toBe(400);
    expect((await get('/app.js', 'POST')).status).toBe(405);
  });

  it('falls back to the placeholder page without a built dashboard, and refuses /ws without a stream', async () => {
    const bare = createUiServer();
    const url = await bare.start(0, '127.0.0.1');
    try {
      const res = await fetch(`${url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Alpes Partners');
      await expect(StreamTestClient.open(url.replace(/^http/, 'ws'), ADMIN)).rejects.toThrow(/503/);
    } finally {
      await bare.stop();
    }
  });
});
