import type { Knex } from 'knex';
import { createMetrics } from './metrics';

/**
 * A stand-in for the read model: every table query answers no rows, and the one raw query (the
 * stranded commissions) answers `strandedRows`, counting how often it was asked.
 */
function fakeDb(strandedRows: Array<{ settlement_id: string; n: number; since: Date }>) {
  const calls = { raw: 0 };
  const query: unknown = new Proxy(() => undefined, {
    get: (_t, prop) => (prop === 'then' ? (resolve: (v: unknown) => void) => resolve([]) : () => query),
  });
  const db = Object.assign(() => query, {
    raw: async () => {
      calls.raw += 1;
      return { rows: strandedRows };
    },
    schema: { hasTable: async () => false },
  });
  return { db: db as unknown as Knex, calls };
}

const value = (text: string, name: string): number =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('stranded commissions gauges', () => {
  it('read the stranded commissions once per scrape and set both gauges from it', async () => {
    const since = new Date(Date.now() - 600_000);
    const { db, calls } = fakeDb([
      { settlement_id: 'stopped', n: 3, since },
      { settlement_id: 'running', n: 5, since: new Date(Date.now() - 3_600_000) },
    ]);
    const looked: string[] = [];
    const { registry } = createMetrics(db, {
      settlementRunning: async (id) => {
        looked.push(id);
        return id === 'running';
      },
    });

    const text = await registry.metrics();
    expect(calls.raw).toBe(1);
    expect(looked).toEqual(['stopped', 'running']);
    // Only the stopped run's commissions count, and only its age.
    expect(value(text, 'alpes_commissions_stranded')).toBe(3);
    const oldest = value(text, 'alpes_commissions_stranded_oldest_seconds');
    expect(oldest).toBeGreaterThanOrEqual(600);
    expect(oldest).toBeLessThan(660);

    // The next scrape reads again: nothing is cached past the scrape.
    await registry.metrics();
    expect(calls.raw).toBe(2);
    expect(looked).toHaveLength(4);
  });

  it('report 0 for both when nothing is stranded', async () => {
    const { db, calls } = fakeDb([]);
    const { registry } = createMetrics(db, { settlementRunning: async () => false });
    const text = await registry.metrics();
    expect(calls.raw).toBe(1);
    expect(value(text, 'alpes_commissions_stranded')).toBe(0);
    expect(value(text, 'alpes_commissions_stranded_oldest_seconds')).toBe(0);
  });
});
