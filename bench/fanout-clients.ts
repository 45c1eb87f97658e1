import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { SampleBuffer, summarize, type Summary } from './lib/stats';

/**
 * The fan-out section's websocket clients, in a process of their own (so their CPU and memory are
 * not the driver's, and the driver's clocks stay responsive). Spawned by run-bench.ts with an IPC
 * channel:
 *   child → parent  { type: 'ready', connectMs, clients }   every client got `ready`
 *   parent → child  { type: 'finish', finalPosition, commits: [position, epochMs][], timeoutMs }
 *   child → parent  { type: 'result', … FanoutClientResult }
 * Each client subscribes with the same `since`; the log is gap-free, so a client that got every
 * event has exactly the positions since+1 … finalPosition, in order.
 */

export interface FanoutClientResult {
  clients: number;
  connected: number;
  /** Clients that got every position in (since, finalPosition], in order, without duplicates. */
  complete: number;
  expectedPerClient: number;
  missing: number;
  duplicates: number;
  errors: string[];
  messages: number;
  /** Commit (LISTEN on the log's channel) → client receipt, over every (client, event). */
  commitToClientMs: Summary;
  /** The event's `occurredAt` (taken in the activity, before its transaction commits) → receipt. */
  occurredToClientMs: Summary;
  /** Per event: first client → last client receipt. */
  spreadMs: Summary;
}

interface ClientState {
  socket: WebSocket;
  ready: boolean;
  lastPos: number;
  count: number;
  duplicates: number;
  gaps: Array<[number, number]>;
  error?: string;
}

const EVENT_PREFIX = '{"type":"event","position":';
const OCCURRED = '"occurredAt":"';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      clients: { type: 'string', default: '1000' },
      since: { type: 'string', default: '0' },
      'connect-concurrency': { type: 'string', default: '100' },
    },
  });
  if (!values.url) throw new Error('--url is required');
  const url = values.url;
  const total = Number(values.clients);
  const since = Number(values.since);
  const send = (msg: unknown): void => void process.send?.(msg);

  const positions = new SampleBuffer();
  const receipts = new SampleBuffer();
  const occurred = new SampleBuffer();
  const states: ClientState[] = [];
  const errors: string[] = [];
  let messages = 0;
  const note = (e: string): void => {
    if (errors.length < 20) errors.push(e);
  };

  const connect = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      const st: ClientState = { socket, ready: false, lastPos: since, count: 0, duplicates: 0, gaps: [] };
      states.push(st);
      let settled = false;
      const settle = (): void => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', since })));
      socket.on('error', (err) => {
        st.error = err.message;
        note(`socket error: ${err.message}`);
        settle();
      });
      socket.on('close', (code) => {
        if (!st.ready || code !== 1000) st.error ??= `closed ${code}`;
        settle();
      });
      socket.on('message', (data: Buffer) => {
        const now = Date.now();
        messages += 1;
        const text = data.toString('utf8');
        let pos: number;
        let occ: number;
        if (text.startsWith(EVENT_PREFIX)) {
          pos = parseInt(text.slice(EVENT_PREFIX.length, EVENT_PREFIX.length + 20), 10);
          const i = text.indexOf(OCCURRED);
          occ = i < 0 ? Number.NaN : Date.parse(text.slice(i + OCCURRED.length, i + OCCURRED.length + 24));
        } else {
          const msg = JSON.parse(text) as {
            type: string;
            position?: number;
            code?: string;
            message?: string;
            event?: { occurredAt: string };
          };
          if (msg.type === 'ready') {
            st.ready = true;
            settle();
            return;
          }
          if (msg.type === 'error') {
            st.error = `${msg.code}: ${msg.message}`;
            note(st.error);
            return;
          }
          if (msg.type !== 'event' || msg.position === undefined) return;
          pos = msg.position;
          occ = Date.parse(msg.event?.occurredAt ?? '');
        }
        if (pos <= st.lastPos) {
          st.duplicates += 1;
          return;
        }
        if (pos > st.lastPos + 1) st.gaps.push([st.lastPos + 1, pos - 1]);
        st.lastPos = pos;
        st.count += 1;
        positions.push(pos);
        receipts.push(now);
        occurred.push(occ);
      });
    });

  const started = Date.now();
  const concurrency = Number(values['connect-concurrency']);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        next += 1;
        await connect();
      }
    }),
  );
  const connected = states.filter((s) => s.ready).length;
  send({ type: 'ready', connectMs: Date.now() - started, clients: connected });

  process.on('message', (raw) => {
    const msg = raw as {
      type: string;
      finalPosition: number;
      commits: Array<[number, number]>;
      timeoutMs: number;
    };
    if (msg.type !== 'finish') return;
    void finish(msg.finalPosition, new Map(msg.commits), msg.timeoutMs);
  });

  async function finish(final: number, commits: Map<number, number>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && states.some((s) => s.ready && !s.error && s.lastPos < final)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const expected = final - since;
    let missing = 0;
    let duplicates = 0;
    let complete = 0;
    for (const s of states) {
      let m = Math.max(0, final - s.lastPos);
      for (const [a, b] of s.gaps) m += Math.max(0, Math.min(b, final) - a + 1);
      if (!s.ready) m = expected;
      missing += m;
      duplicates += s.duplicates;
      if (m === 0 && s.duplicates === 0 && s.ready) complete += 1;
    }
    const commitLat = new SampleBuffer();
    const occLat = new SampleBuffer();
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    const pos = positions.values();
    const rec = receipts.values();
    const occ = occurred.values();
    for (let i = 0; i < pos.length; i++) {
      const p = pos[i]!;
      if (p > final) continue;
      const c = commits.get(p);
      if (c !== undefined) commitLat.push(rec[i]! - c);
      if (Number.isFinite(occ[i]!)) occLat.push(rec[i]! - occ[i]!);
      if (!first.has(p) || rec[i]! < first.get(p)!) first.set(p, rec[i]!);
      if (!last.has(p) || rec[i]! > last.get(p)!) last.set(p, rec[i]!);
    }
    const spread = [...first.entries()].map(([p, f]) => last.get(p)! - f);
    const result: FanoutClientResult = {
      clients: total,
      connected,
      complete,
      expectedPerClient: expected,
      missing,
      duplicates,
      errors,
      messages,
      commitToClientMs: summarize(commitLat.values()),
      occurredToClientMs: summarize(occLat.values()),
      spreadMs: summarize(spread),
    };
    for (const s of states) s.socket.terminate();
    send({ type: 'result', result });
    setTimeout(() => process.exit(0), 200);
  }
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  setTimeout(() => process.exit(1), 200);
});
