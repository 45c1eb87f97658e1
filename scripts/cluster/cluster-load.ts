/**
 * Load against a running `make cluster` (same settings from the environment), for the capacity
 * figures in docs/deployment.md:
 *
 *   npx tsx scripts/cluster/cluster-load.ts [--count 300] [--concurrency 20] [--idle 15]
 *
 * Posts small payments (no approval) through both APIs, closed loop, waits until every one is
 * COMPLETED, and reports the rate, the CPU each kind of process used (from /proc, so this machine's
 * processes only), and PostgreSQL transactions per database (pg_stat_database) — per payment.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { defaultClusterOptions } from './cluster';
import { clusterOptionsFromEnv } from './cluster-env';
import { databaseUrl, postgresTarget } from './temporal-server';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '20' },
    idle: { type: 'string', default: '15' },
  },
});
const IDLE_SECONDS = Number(values.idle);
const COUNT = Number(values.count);
const CONCURRENCY = Number(values.concurrency);
const o = defaultClusterOptions(clusterOptionsFromEnv());
const secrets = JSON.parse(readFileSync(join(o.dataDir, 'secrets.json'), 'utf8')) as {
  apiKeys: { admin: string };
};
const apis = o.ports.apis.map((p) => `http://127.0.0.1:${p}`);
const auth = { authorization: `Bearer ${secrets.apiKeys.admin}`, 'content-type': 'application/json' };
const target = postgresTarget(o.pgAdminUrl);
const DATABASES = ['temporal', 'temporal_visibility', 'cluster', 'cluster_bank'].map(
  (d) => `${o.databasePrefix}_${d}`,
);
const TICKS = 100; // USER_HZ on Linux

/** Process kinds we account CPU to, by command line. */
const KINDS: Array<[string, RegExp]> = [
  ['temporal-server', /temporal-server/],
  ['payments workers', /src\/processes\/worker\.ts/],
  ['notifications worker', /src\/processes\/notifications-worker\.ts/],
  ['APIs', /src\/processes\/api\.ts/],
  ['UI servers', /src\/processes\/ui\.ts/],
  ['sandbox bank', /sandbox-bank\.main\.ts/],
  ['PostgreSQL', /^postgres/],
];

function cpuByKind(): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(KINDS.map(([k]) => [k, 0]));
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const kind = KINDS.find(([, re]) => re.test(cmd))?.[0];
      if (!kind) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime are fields 14 and 15 (1-based) → 11 and 12 after the command.
      out[kind]! += (Number(fields[11]) + Number(fields[12])) / TICKS;
    } catch {
      /* gone */
    }
  }
  return out;
}

async function xacts(): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: databaseUrl(target, 'postgres') });
  await c.connect();
  try {
    const rows = (
      await c.query(
        'select datname, xact_commit + xact_rollback as n from pg_stat_database where datname = any($1)',
        [DATABASES],
      )
    ).rows as Array<{ datname: string; n: string }>;
    return Object.fromEntries(rows.map((r) => [r.datname, Number(r.n)]));
  } finally {
    await c.end();
  }
}

async function completed(partnerId: string): Promise<number> {
  const c = new pg.Client({ connectionString: databaseUrl(target, `${o.databasePrefix}_cluster`) });
  await c.connect();
  try {
    const { rows } = await c.query(
      "select count(*)::int as n from payments where partner_id = $1 and status = 'COMPLETED'",
      [partnerId],
    );
    return (rows[0] as { n: number }).n;
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const partner = (await (
    await fetch(`${apis[0]}/partners`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'Load',
        email: 'load@example.com',
        payoutAccount: 'DE89 3704 0044 0532 0130 00',
      }),
    })
  ).json()) as { id: string };
  // Warm-up: a few payments so every process has its code paths compiled.
  const post = async (i: number, tag: string) => {
    const res = await fetch(`${apis[i % 2]}/payments`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': `${tag}-${i}-${Date.now()}` },
      body: JSON.stringify({
        partnerId: partner.id,
        currency: 'EUR',
        lines: [{ reference: `${tag}-${i}`, amountMinor: 1000 + i, description: 'load' }],
      }),
    });
    if (res.status !== 202) throw new Error(`POST /payments: ${res.status} ${await res.text()}`);
  };
  for (let i = 0; i < 10; i++) await post(i, 'warmup');
  while ((await completed(partner.id)) < 10) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 2_000));

  // What the idle cluster costs anyway (shard lease renewals, queue and timer scans, polls): a
  // baseline taken off the figures below in proportion to the run's length.
  const idleCpu0 = cpuByKind();
  const idleX0 = await xacts();
  const idleStarted = Date.now();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idleCpu1 = cpuByKind();
  const idleX1 = await xacts();
  const idleSeconds = (Date.now() - idleStarted) / 1000;

  const cpu0 = cpuByKind();
  const x0 = await xacts();
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < COUNT) await post(next++, 'load');
    }),
  );
  const posted = Date.now();
  while ((await completed(partner.id)) < COUNT + 10) await new Promise((r) => setTimeout(r, 100));
  const done = Date.now();
  // pg_stat_database is flushed about once a second.
  await new Promise((r) => setTimeout(r, 2_000));
  const cpu1 = cpuByKind();
  const x1 = await xacts();
  const seconds = (done - started) / 1000;
  const measured = (Date.now() - started) / 1000;
  const idleShare = measured / idleSeconds;
  const cpu = Object.fromEntries(KINDS.map(([k]) => [k, +(cpu1[k]! - cpu0[k]!).toFixed(2)]));
  const idleCpu = Object.fromEntries(
    KINDS.map(([k]) => [k, +((idleCpu1[k]! - idleCpu0[k]!) / idleSeconds).toFixed(3)]),
  );
  const perPaymentMs = Object.fromEntries(
    KINDS.map(([k]) => [k, +((Math.max(0, cpu[k]! - idleCpu[k]! * idleShare) * 1000) / COUNT).toFixed(1)]),
  );
  const idleTx = (d: string) => ((idleX1[d] ?? 0) - (idleX0[d] ?? 0)) * idleShare;
  const tx = Object.fromEntries(
    DATABASES.map((d) => [d, +(((x1[d] ?? 0) - (x0[d] ?? 0) - idleTx(d)) / COUNT).toFixed(1)]),
  );
  const txRaw = Object.fromEntries(
    DATABASES.map((d) => [d, +(((x1[d] ?? 0) - (x0[d] ?? 0)) / COUNT).toFixed(1)]),
  );
  const result = {
    count: COUNT,
    concurrency: CONCURRENCY,
    seconds: +seconds.toFixed(2),
    postSeconds: +((posted - started) / 1000).toFixed(2),
    paymentsPerSecond: +(COUNT / seconds).toFixed(1),
    cpuSeconds: cpu,
    idleCpuSecondsPerSecond: idleCpu,
    cpuMsPerPayment: perPaymentMs,
    // = payments per second one fully busy worker core would sustain.
    paymentsPerWorkerCpuSecond: +(1000 / perPaymentMs['payments workers']!).toFixed(1),
    postgresTransactionsPerPayment: tx,
    postgresTransactionsPerPaymentRaw: txRaw,
    idleTransactionsPerSecond: Object.fromEntries(
      DATABASES.map((d) => [d, +(((idleX1[d] ?? 0) - (idleX0[d] ?? 0)) / idleSeconds).toFixed(1)]),
    ),
    note:
      '2 workers; the +10 warm-up payments are excluded; CPU from /proc utime+stime (every process of the ' +
      'kind on this machine: PostgreSQL includes other databases); per-payment figures net of the idle baseline; ' +
      'a "transaction" is any statement outside an explicit transaction too (reads included)',
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
