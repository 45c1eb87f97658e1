import type { BenchResult, Goal, LoopSection } from './result';
import type { Summary } from './stats';

const f = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

const lat = (s: Summary | undefined): string =>
  s && s.n > 0 ? `${f(s.p50, 0)} / ${f(s.p95, 0)} / ${f(s.p99, 0)} ms` : '—';

const cpuLine = (s: Pick<LoopSection, 'cpuMsPerUnit'>, unit: string): string => {
  const parts = Object.entries(s.cpuMsPerUnit)
    .filter(([, v]) => v >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${f(v)}`);
  const total = Object.values(s.cpuMsPerUnit).reduce((a, b) => a + b, 0);
  return `${f(total)} ms/${unit}: ${parts.join(', ')}`;
};

function goalMark(goals: Goal[], name: string): string {
  const g = goals.find((x) => x.name === name);
  if (!g) return '';
  return `goal ${g.target}: ${g.met === null ? 'n/a' : g.met ? 'MET' : 'MISSED'}`;
}

/** The stdout table: one row per figure; the ratios come last. */
export function renderTable(r: BenchResult): string {
  const rows: Array<[string, string, string, string]> = [];
  const add = (section: string, figure: string, value: string, note = ''): void =>
    void rows.push([section, figure, value, note]);

  const m = r.machine;
  const split = (h: BenchResult['profile']['baselineHistory']): string => {
    if (!h || h.workflows === 0) return '—';
    const s = h.medianSplitMs;
    return `span ${f(h.spanMs.p50, 0)} ms = activities ${f(s.activityRun, 0)} run + ${f(s.activityQueue, 0)} queued, workflow tasks ${f(s.workflowTaskRun, 0)} run + ${f(s.workflowTaskQueue, 0)} queued`;
  };
  if (r.baseline) {
    const b = r.baseline;
    const s = `1 baseline (naive, ${r.activityCount.baselineActivities} activities)`;
    add(
      s,
      'throughput',
      `${f(b.throughputPerSec)} workflows/s`,
      `${b.completed}/${b.count} done, concurrency ${b.concurrency}`,
    );
    add('', 'start→completion p50/p95/p99', lat(b.latencyMs));
    add(
      '',
      'history split (median)',
      split(r.profile.baselineHistory),
      `${r.profile.baselineHistory?.eventsPerWorkflow ?? '—'} events, ${r.profile.baselineHistory?.workflowTasksPerWorkflow ?? '—'} workflow tasks`,
    );
    add(
      '',
      'CPU per workflow',
      cpuLine(b, 'wf'),
      `machine busy ${f(b.machineBusyPct, 0)}% (not ours ${f(b.foreignBusyPct, 0)}%)`,
    );
  }
  if (r.payments) {
    const p = r.payments;
    add(
      '2 payment path (POST → stream)',
      'throughput',
      `${f(p.throughputPerSec)} payments/s`,
      `${p.completed}/${p.count} done, concurrency ${p.concurrency}`,
    );
    add('', 'POST→COMPLETED p50/p95/p99', lat(p.latencyMs));
    add('', 'of which POST round trip', lat(p.parts.post));
    if (p.commitToObserverMs) add('', 'COMPLETED commit→observer', lat(p.commitToObserverMs));
    add(
      '',
      'history split (median)',
      split(r.profile.paymentHistory),
      `${r.profile.paymentHistory?.eventsPerWorkflow ?? '—'} events, ${r.profile.paymentHistory?.workflowTasksPerWorkflow ?? '—'} workflow tasks; start → completePayment, notices aside`,
    );
    add(
      '',
      'CPU per payment',
      cpuLine(p, 'payment'),
      `machine busy ${f(p.machineBusyPct, 0)}% (not ours ${f(p.foreignBusyPct, 0)}%)`,
    );
    if (p.db) {
      add(
        '',
        'DB transactions per payment',
        `${f(p.db.perPayment.xactCommit)} (app db)` +
          (p.db.bankPerPayment ? `, ${f(p.db.bankPerPayment.xactCommit)} (bank db)` : ''),
      );
    }
  }
  if (r.rate) {
    const a = r.rate.autocannon;
    const pc = r.rate.paced;
    const note = r.rate.queue === 'parked' ? 'workflows parked on an unpolled queue' : 'live queue';
    add(
      `4 API start latency (${a.targetRate} req/s × ${a.seconds} s)`,
      'autocannon POST p50/p99',
      `${f(a.latencyMs.p50)} / ${f(a.latencyMs.p99)} ms`,
      `${a.ok2xx}/${a.requests} 2xx, ${note}; ${goalMark(r.goals, 'POST p99 at rate')}`,
    );
    add(
      '',
      'paced (even arrivals) p50/p99',
      `${f(pc.latencyMs.p50)} / ${f(pc.latencyMs.p99)} ms`,
      `${pc.ok2xx}/${pc.requests} 2xx; ${goalMark(r.goals, 'POST p99 at rate (even arrivals)')}`,
    );
  }
  if (r.fanout) {
    const fo = r.fanout;
    add(
      `5 fan-out (${fo.clients} ws clients, ${fo.payments.completed} payments)`,
      'commit→client p50/p99',
      `${f(fo.commitToClientMs.p50, 0)} / ${f(fo.commitToClientMs.p99, 0)} ms`,
      goalMark(r.goals, 'fan-out p99'),
    );
    add(
      '',
      'occurredAt→client p50/p99',
      `${f(fo.occurredToClientMs.p50, 0)} / ${f(fo.occurredToClientMs.p99, 0)} ms`,
    );
    add(
      '',
      'every client got every event',
      `${fo.complete}/${fo.clients} complete`,
      `${fo.expectedPerClient} events each; missing ${fo.missing}, duplicates ${fo.duplicates}`,
    );
  }
  const mem = r.memory.peakRssMb;
  const memOrder = Object.keys(mem);
  memOrder.forEach((k, i) =>
    add(i === 0 ? '6 memory (peak RSS)' : '', k, `${mem[k]} MB`, memNote(r.goals, k)),
  );
  if (r.embedded) {
    const e = r.embedded;
    add(
      '6 all-in-one (launcher, PGlite)',
      'peak RSS',
      `${e.peakRssMb} MB`,
      `${goalMark(r.goals, 'all-in-one RSS')}; started over existing PGlite data`,
    );
    const fs = e.pgliteFirstStart;
    add(
      '',
      'PGlite on a fresh DATA_DIR',
      `app +${fs.appPgliteMb} MB, bank +${fs.bankPgliteMb} MB`,
      `RSS opening the databases adds to a process (initdb runs in a short-lived child; the bank shares the app's PGlite)`,
    );
    add('', 'throughput', `${f(e.throughputPerSec)} payments/s`, `${e.completed}/${e.count} done`);
    add('', 'POST→COMPLETED p50/p95/p99', lat(e.latencyMs));
  }
  if (r.leak) {
    const l = r.leak;
    Object.keys(l.rssAtEndMb).forEach((k, i) =>
      add(
        i === 0 ? `8 leak (${l.completed}/${l.payments} payments)` : '',
        `${k} RSS at ${Math.floor(l.payments / 2)} → ${l.payments}`,
        `${l.rssAtHalfMb[k] ?? '—'} → ${l.rssAtEndMb[k]} MB (${(l.growthPct[k] ?? 0) >= 0 ? '+' : ''}${l.growthPct[k] ?? '—'} %)`,
        /^worker/.test(k) ? goalMark(r.goals, 'worker RSS growth N/2→N') : '',
      ),
    );
  }
  if (r.settlement) {
    const st = r.settlement;
    const k = st.commissionsPerPartner;
    add(
      `7 settlement run (${st.partners} partners × ${k} commissions)`,
      'partners registered (setup)',
      `${st.partners} in ${f(st.partnerSetup.ms / 1000)} s`,
      `${st.partnerSetup.how}; not measured`,
    );
    add(
      '',
      'commissions imported',
      `${f(st.import.commissionsPerSec, 0)} commissions/s`,
      `${st.import.accepted}/${st.import.rows} rows in ${f(st.import.ms / 1000)} s, ${st.import.requests} streamed ${st.import.format} POST /commissions/import; API peak RSS ${st.import.apiPeakRssMb} MB`,
    );
    add(
      '',
      'run POST → COMPLETED',
      `${f(st.durationMs / 1000)} s`,
      `${st.itemCount} payouts, ${st.skippedCount} skipped, ${JSON.stringify(st.byStatus)}; totals ${st.totals.match ? 'match the import' : 'DIFFER from the import'}; plan ${f(st.planMs, 0)} ms`,
    );
    add(
      '',
      'payouts per second',
      `${f(st.payoutsPerSec, 2)} payouts/s`,
      `SETTLEMENT_CONCURRENCY ${st.settings.concurrency}, page ${st.settings.pageSize}, poll ${st.settings.pollInterval}`,
    );
    add(
      '',
      'by quarter of the run',
      `${st.quarters.map((q) => f(q.payoutsPerSec, 1)).join(' / ')} payouts/s`,
      `CPU ms/payout ${st.quarters.map((q) => f(q.cpuMsPerPayout, 0)).join(' / ')} (PostgreSQL ${st.quarters.map((q) => f(q.postgresMsPerPayout, 1)).join(' / ')}); not ours ${st.quarters.map((q) => `${f(q.foreignBusyPct, 0)}%`).join(' / ')}`,
    );
    add(
      '',
      'ratio to the payment path',
      f(st.ratioToPayments, 2),
      `${f(st.payoutsPerSec, 2)} ÷ ${f(st.paymentsPerSec, 2)} payments/s (same run); ${goalMark(r.goals, 'settlement payouts/s ÷ payments/s')}`,
    );
    add(
      '',
      'capacity ratio from CPU per unit',
      f(st.cpuRatioToPayments, 2),
      'CPU per payment ÷ CPU per payout (every process but the load generator): robust to other load',
    );
    const w = st.workerRssMb;
    add(
      '',
      'worker RSS by quarter of the run',
      `${w.byQuarter.map((v) => `${v}`).join(' / ')} MB`,
      `before the run ${Object.values(w.beforeRun).join(', ')} MB; Q4 − Q1 ${w.growthQ1toQ4 === null ? '—' : `${w.growthQ1toQ4 >= 0 ? '+' : ''}${w.growthQ1toQ4} MB`}; dev server ${st.quarters.map((q) => q.peakRssMb['temporal dev server'] ?? 0).join(' / ')} MB`,
    );
    add(
      '',
      'Temporal: executions, history',
      `${st.temporal.runs} runs (${st.temporal.continuedAsNew} continued as new), max ${st.temporal.maxHistoryEvents} events`,
      `events per run ${st.temporal.historyEvents.length > 8 ? `${st.temporal.historyEvents.slice(0, 4).join(', ')} … ${st.temporal.historyEvents.slice(-2).join(', ')}` : st.temporal.historyEvents.join(', ')}; ` +
        `workflow tasks timed out ${st.temporal.eventTypes.WORKFLOW_TASK_TIMED_OUT ?? 0}, failed ${st.temporal.eventTypes.WORKFLOW_TASK_FAILED ?? 0}`,
    );
    const rf = st.temporal.refills;
    add(
      '',
      "the run's loop",
      st.temporal.starterPages.pages > 0
        ? `${st.temporal.starterPages.pages} pages started by an activity, ${f(st.temporal.starterPages.pageMs.p50 / 1000, 1)} s each (p50)`
        : `${rf.batches} refills of ${f(rf.meanBatch)} payouts, every ${f(rf.intervalMs.p50 / 1000, 2)} s (p50)`,
      `avg in flight ${f(st.avgInFlight)} of ${st.settings.concurrency}; batch → its children started p50 ${f(rf.childrenStartedMs.p50, 0)} ms; ${st.temporal.workflowTasks} workflow tasks, ${f(st.temporal.workflowTaskRunMs / Math.max(1, st.temporal.workflowTasks), 0)} ms each (local activities inside)`,
    );
    add(
      '',
      'payout history split (median)',
      split(st.payoutHistory),
      `${st.payoutHistory.eventsPerWorkflow} events, ${st.payoutHistory.workflowTasksPerWorkflow} workflow tasks; start → completePayment`,
    );
    add(
      '',
      'CPU per payout',
      cpuLine({ cpuMsPerUnit: st.cpuMsPerPayout }, 'payout'),
      `machine busy ${f(st.machineBusyPct, 0)}% (not ours ${f(st.foreignBusyPct, 0)}%)`,
    );
    add(
      '',
      'DB transactions per payout',
      `${f(st.db.perPayout.xactCommit)} (app db)` +
        (st.db.bankPerPayout ? `, ${f(st.db.bankPerPayout.xactCommit)} (bank db)` : ''),
    );
  }
  if (r.ratios) {
    add(
      '3 ratios (payment / baseline)',
      'throughput',
      f(r.ratios.throughput, 2),
      goalMark(r.goals, 'throughput ratio'),
    );
    add('', 'p99 latency', f(r.ratios.p99, 2), goalMark(r.goals, 'p99 ratio'));
    add(
      '',
      'capacity from CPU per unit',
      f(r.ratios.cpuCapacity, 2),
      `baseline CPU/wf ÷ payment CPU/payment (all processes): robust to other load; ${goalMark(r.goals, 'CPU capacity ratio')}`,
    );
  }

  const widths = [0, 1, 2].map((i) => Math.max(0, ...rows.map((row) => row[i]!.length)));
  const header =
    `Alpes Partners payments benchmark — ${r.mode} run ${r.runId} (${f(r.durationSec, 0)} s)\n` +
    `machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memTotalGb} GB RAM, load avg ${m.loadAvg.join(' ')} → ${m.loadAvgEnd.join(' ')}; node ${m.node}\n` +
    `params: ${Object.entries(r.params)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' ')}\n`;
  const body = rows
    .map((row) =>
      `${row[0].padEnd(widths[0]!)}  ${row[1].padEnd(widths[1]!)}  ${row[2].padEnd(widths[2]!)}  ${row[3]}`.trimEnd(),
    )
    .join('\n');
  const failures = r.failures.length
    ? `\nFAILED SECTIONS:\n${r.failures.map((x) => `  ${x.section}: ${x.error}`).join('\n')}`
    : '';
  const checks = r.checks.filter((c) => !c.ok);
  const checkText = checks.length
    ? `\nCHECKS FAILED:\n${checks.map((c) => `  ${c.name}: ${c.detail}`).join('\n')}`
    : `\nall ${r.checks.length} harness checks passed`;
  return `${header}\n${body}\n${failures}${checkText}\n`;
}

function memNote(goals: Goal[], process: string): string {
  if (process === 'worker') return goalMark(goals, 'worker RSS');
  if (process === 'api') return goalMark(goals, 'API RSS');
  return '';
}
