import { Partner } from '../../domain/partner.aggregate';
import type { StoredEvent } from '../../ports/event-log.port';
import type { NotifyPartnerInput } from '../../ports/notification.port';
import { PartnerNoticeRelay, type PartnerNoticeQueue } from './partner-notice-relay';

/** An in-memory outbox with the relay's contract: claim (head of each partner, due, not leased), done, postpone. */
class MemoryQueue implements PartnerNoticeQueue {
  rows: Array<{
    eventId: string;
    partnerId: string;
    attempts: number;
    dueAt: number;
    leasedUntil: number;
    lastError?: string;
  }> = [];
  constructor(
    private readonly events: Map<string, StoredEvent>,
    private readonly clock: () => Date,
  ) {}
  add(e: StoredEvent): void {
    this.events.set(e.id, e);
    this.rows.push({ eventId: e.id, partnerId: e.partnerId!, attempts: 0, dueAt: 0, leasedUntil: 0 });
  }
  async claim(now: Date, leaseMs: number, limit: number) {
    const t = now.getTime();
    const heads = this.rows.filter((r, i) => this.rows.findIndex((x) => x.partnerId === r.partnerId) === i);
    const due = heads.filter((r) => r.dueAt <= t && r.leasedUntil <= t).slice(0, limit);
    for (const r of due) r.leasedUntil = t + leaseMs;
    return due.map((r) => ({ eventId: r.eventId, attempts: r.attempts, event: this.events.get(r.eventId) }));
  }
  async done(eventId: string) {
    this.rows = this.rows.filter((r) => r.eventId !== eventId);
  }
  async postpone(eventId: string, error: string, until: Date) {
    const r = this.rows.find((x) => x.eventId === eventId)!;
    Object.assign(r, { attempts: r.attempts + 1, lastError: error, leasedUntil: 0, dueAt: until.getTime() });
    void this.clock;
  }
}

const stored = (e: ReturnType<Partner['pullEvents']>[number], position: number): StoredEvent => ({
  ...e,
  position,
  workflowId: null,
  runId: null,
});

describe('PartnerNoticeRelay', () => {
  let now = new Date('2026-03-01T10:00:00.000Z');
  const clock = () => now;
  const silent = { warn: () => undefined, error: () => undefined };

  function setup(notify: (n: NotifyPartnerInput) => Promise<void>) {
    const queue = new MemoryQueue(new Map(), clock);
    const relay = new PartnerNoticeRelay({
      queue,
      notifier: { notify },
      accountCooloffMs: 60_000,
      intervalMs: 1_000_000,
      backoff: { initialMs: 1_000, maxMs: 8_000 },
      logger: silent,
      clock,
    });
    const p = Partner.create({
      id: 'p-1',
      name: 'Ana',
      email: 'a@example.com',
      payoutAccount: '0012345678',
      now,
    });
    p.requestPayoutAccountChange({ account: '0099887766', actor: 'alice', now });
    p.approvePayoutAccountChange({ actor: 'bob', now, cooloffMs: 60_000 });
    p.pullEvents().forEach((e, i) => queue.add(stored(e, i + 1)));
    return { queue, relay };
  }

  it('sends each notice once, in order, and empties the outbox', async () => {
    const sent: NotifyPartnerInput[] = [];
    const { queue, relay } = setup(async (n) => void sent.push(n));
    await relay.drain();
    expect(sent.map((n) => n.eventType)).toEqual([
      'PartnerPayoutAccountChangeRequested',
      'PartnerPayoutAccountChangeApproved',
    ]);
    expect(queue.rows).toEqual([]);
  });

  it('keeps a notice it could not signal, backs off, keeps the order, and sends it later', async () => {
    const sent: string[] = [];
    let down = true;
    const { queue, relay } = setup(async (n) => {
      if (down) throw new Error('temporal unreachable');
      sent.push(n.sourceEventId);
    });
    await relay.drain();
    expect(sent).toEqual([]);
    // The request failed: it waits, and the approval waits behind it (a partner hears them in order).
    expect(queue.rows.map((r) => [r.attempts, r.lastError])).toEqual([
      [1, 'temporal unreachable'],
      [0, undefined],
    ]);
    now = new Date(now.getTime() + 1_000);
    await relay.drain();
    expect(queue.rows[0]!.attempts).toBe(2);
    expect(queue.rows[0]!.dueAt - now.getTime()).toBe(2_000);
    down = false;
    await relay.drain(); // not due yet
    expect(sent).toEqual([]);
    now = new Date(now.getTime() + 2_000);
    await relay.drain();
    expect(sent.map((id) => id.split(':')[1])).toEqual([
      'PartnerPayoutAccountChangeRequested',
      'PartnerPayoutAccountChangeApproved',
    ]);
    expect(queue.rows).toEqual([]);
  });

  it('a kick while a drain runs is not lost', async () => {
    const sent: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { queue, relay } = setup(async (n) => {
      await gate;
      sent.push(n.sourceEventId);
    });
    const first = relay.drain();
    const p = Partner.create({
      id: 'p-2',
      name: 'Bo',
      email: 'b@example.com',
      payoutAccount: '0012345678',
      now,
    });
    p.requestPayoutAccountChange({ account: '0099887766', actor: 'alice', now });
    queue.add(stored(p.pullEvents()[0]!, 9));
    relay.kick();
    release();
    await first;
    await relay.drain();
    expect(sent).toHaveLength(3);
    expect(queue.rows).toEqual([]);
    await relay.stop();
  });
});
