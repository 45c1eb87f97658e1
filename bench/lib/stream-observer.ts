import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { ServerMessage } from '../../src/ui/stream-protocol';

export interface Completion {
  /** performance.now() when the event reached this observer. */
  receivedAt: number;
  /** Wall-clock ms of receipt (to compare with commit times recorded elsewhere). */
  receivedEpochMs: number;
  type: string;
  position: number;
  occurredAt: string;
}

const TERMINAL = new Set(['PaymentCompleted', 'PaymentFailed', 'PaymentRejected', 'PaymentCancelled']);

/**
 * One websocket client on the live stream that notices when payments reach a final status
 * (`PaymentCompleted`, or a failure) — how the payment path's completion is observed.
 */
export class StreamObserver {
  private socket: WebSocket | undefined;
  private readonly done = new Map<string, Completion>();
  private readonly waiters = new Map<string, (c: Completion) => void>();
  events = 0;
  lastPosition = 0;

  constructor(private readonly wsUrl: string) {}

  async connect(since: number, timeoutMs = 15_000): Promise<number> {
    const socket = new WebSocket(this.wsUrl);
    this.socket = socket;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('stream observer: no ready message')), timeoutMs);
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', since })));
      socket.on('message', (data) => {
        const now = performance.now();
        const epoch = Date.now();
        const msg = JSON.parse(String(data)) as ServerMessage;
        if (msg.type === 'ready') {
          clearTimeout(timer);
          this.lastPosition = Math.max(this.lastPosition, msg.position);
          resolve(msg.position);
          return;
        }
        if (msg.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`stream observer: ${msg.code} ${msg.message}`));
          return;
        }
        this.events += 1;
        this.lastPosition = msg.position;
        if (!TERMINAL.has(msg.event.type) || msg.event.aggregate.type !== 'Payment') return;
        const c: Completion = {
          receivedAt: now,
          receivedEpochMs: epoch,
          type: msg.event.type,
          position: msg.position,
          occurredAt: msg.event.occurredAt,
        };
        const id = msg.event.aggregate.id;
        this.done.set(id, c);
        this.waiters.get(id)?.(c);
        this.waiters.delete(id);
      });
    });
  }

  /** Resolves when payment `id` reaches a final status on the stream (or already has). */
  completion(id: string, timeoutMs: number): Promise<Completion> {
    const seen = this.done.get(id);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`payment ${id} not completed on the stream within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  completionsFor(ids: string[]): Completion[] {
    return ids.map((id) => this.done.get(id)).filter((c): c is Completion => c !== undefined);
  }

  close(): void {
    this.socket?.terminate();
    this.socket = undefined;
  }
}
