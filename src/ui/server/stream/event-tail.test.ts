import type { EventLogReader, ReadEventsOptions, StoredEvent } from '../../../ports/event-log.port';
import type { EventMessage } from '../../stream-protocol';
import { EventTail, type TailSubscriber } from './event-tail';
import type { EffectiveFilter } from './stream-filter';

const silent = { debug: () => undefined, warn: () => undefined, error: () => undefined };

class MemoryLog implements EventLogReader {
  readonly events: StoredEvent[] = [];
  reads = 0;

  read(opts: ReadEventsOptions): Promise<StoredEvent[]> {
    this.reads += 1;
    const after = opts.afterPosition ?? 0;
    return Promise.resolve(this.events.filter((e) => e.position > after).slice(0, opts.limit));
  }

  lastPosition(): Promise<number> {
    return Promise.resolve(this.events.length);
  }

  append(partnerId: string | null): void {
    const position = this.events.length + 1;
    this.events.push({
      position,
      id: `e${position}`,
      type: 'PaymentCompleted',
      occurredAt: '2026-01-01T00:00:00.000Z',
      aggregate: { type: 'Payment', id: `p${position}` },
      partnerId,
      data: { n: position },
      workflowId: null,
      runId: null,
    });
  }
}

interface Recorder extends TailSubscriber {
  /** `deliver <position>` and `flush`, in call order. */
  readonly calls: string[];
  readonly frames: Buffer[];
}

function recorder(filter: EffectiveFilter = {}): Recorder {
  const calls: string[] = [];
  const frames: Buffer[] = [];
  return {
    filter,
    cursor: 0,
    calls,
    frames,
    deliver: (event, frame) => {
      calls.push(`deliver ${event.position}`);
      frames.push(frame);
    },
    flush: () => void calls.push('flush'),
  };
}

describe('EventTail', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('hands a batch out, then flushes each subscriber it served once; every subscriber gets the same bytes', async () => {
    const log = new MemoryLog();
    const tail = new EventTail(log, 100, silent, 0);
    await tail.scanned();
    const all = [recorder(), recorder()];
    const partnerB = recorder({ partnerId: 'B' });
    const partnerC = recorder({ partnerId: 'C' });
    for (const sub of [...all, partnerB, partnerC]) expect(tail.tryJoin(sub)).toBe(true);

    for (const partner of ['A', 'A', 'B', 'A']) log.append(partner);
    tail.wake();
    await jest.advanceTimersByTimeAsync(0);

    for (const sub of all) {
      expect(sub.calls).toEqual(['deliver 1', 'deliver 2', 'deliver 3', 'deliver 4', 'flush']);
      expect(sub.cursor).toBe(4);
    }
    expect(partnerB.calls).toEqual(['deliver 3', 'flush']);
    expect(partnerC.calls).toEqual([]);
    // Serialised once: the very same Buffer for everyone.
    expect(all[1]!.frames[2]).toBe(all[0]!.frames[2]);
    expect(partnerB.frames[0]).toBe(all[0]!.frames[2]);
    const message = JSON.parse(all[0]!.frames[2]!.toString('utf8')) as EventMessage;
    expect(message).toMatchObject({ type: 'event', position: 3, event: { id: 'e3', partnerId: 'B' } });
    await tail.stop();
  });

  it('starts passes at most every coalesceMs: the first wake-up after a quiet spell reads at once, a burst behind it goes out as one batch', async () => {
    const log = new MemoryLog();
    const tail = new EventTail(log, 100, silent, 50);
    await tail.scanned();
    const sub = recorder();
    tail.tryJoin(sub);

    log.append(null);
    tail.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(sub.calls).toEqual(['deliver 1', 'flush']);
    const reads = log.reads;

    for (let i = 0; i < 3; i++) {
      await jest.advanceTimersByTimeAsync(10);
      log.append(null);
      tail.wake();
    }
    await jest.advanceTimersByTimeAsync(10);
    expect(sub.calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(10);
    expect(sub.calls).toEqual(['deliver 1', 'flush', 'deliver 2', 'deliver 3', 'deliver 4', 'flush']);
    expect(log.reads).toBe(reads + 1);

    // The wake-ups that came while it waited were answered by that one pass, not one more.
    await jest.advanceTimersByTimeAsync(100);
    expect(log.reads).toBe(reads + 1);

    // Quiet for longer than the interval: the next wake-up reads at once again.
    log.append(null);
    tail.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(sub.calls.slice(-2)).toEqual(['deliver 5', 'flush']);
    await tail.stop();
  });

  it('flushes what it handed out even when a delivery throws', async () => {
    const log = new MemoryLog();
    const tail = new EventTail(log, 100, silent, 0);
    await tail.scanned();
    const ok = recorder();
    const failing = recorder();
    failing.deliver = () => {
      throw new Error('boom');
    };
    tail.tryJoin(ok);
    tail.tryJoin(failing);
    log.append(null);
    tail.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(ok.calls).toEqual(['deliver 1', 'flush']);
    await tail.stop();
  });
});
