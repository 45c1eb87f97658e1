import type { FanoutClientResult } from '../fanout-clients';
import type { CodecProfile } from './codec-profile';
import type { ProfileSummary } from './cpu-profile';
import type { HistoryProfile } from './history';
import type { DbStats } from './postgres';
import type { MachineInfo } from './proc';
import type { RateResult } from './rate';
import type { LoopResult } from './closed-loop';
import type { Summary } from './stats';

/** The JSON file a run writes (artifacts/bench/bench-<runId>.json and latest.json). */

/** A closed-loop section as written to the file: the loop's figures without its raw samples, plus CPU. */
export interface LoopSection extends Omit<LoopResult, 'samples'> {
  /** CPU time per process during the section (ms), and per completed unit. */
  cpuMs: Record<string, number>;
  cpuMsPerUnit: Record<string, number>;
  /** Machine-wide busy CPU during the section, % of all cores; and the part not ours. */
  machineBusyPct: number;
  foreignBusyPct: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Goal {
  name: string;
  target: string;
  actual: number | null;
  unit: string;
  met: boolean | null;
}

export interface BenchResult {
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationSec: number;
  mode: 'quick' | 'full';
  machine: MachineInfo & { loadAvgEnd: number[] };
  params: Record<string, unknown>;
  setup: {
    temporal: string;
    database: string;
    bankFaults: unknown;
    bundlesCached: boolean;
    processes: string[];
    startupMs: number;
  };
  /** Activities of one warm-up payment's history, by type, and what the baseline ran. */
  activityCount: {
    counted: Record<string, number>;
    /** The part of `counted` that ran as local activities. */
    local?: Record<string, number>;
    /** The yardstick's fixed count (six) and the notices one of its partner workflows received (two). */
    baselineActivities: number;
    baselineNoticesSeen?: number;
    /** Two per baseline run of the first partner (warm-up and measured). */
    baselineNoticesExpected?: number;
    sampleHistory?: string[];
  };
  baseline?: LoopSection;
  payments?: LoopSection & {
    commitToObserverMs?: Summary;
    db?: {
      perPayment: { xactCommit: number; tables: DbStats['tables'] };
      bankPerPayment?: { xactCommit: number };
    };
  };
  ratios?: { throughput: number; p99: number; p50: number; cpuCapacity: number };
  rate?: {
    queue: 'parked' | 'live';
    autocannon: RateResult;
    paced: RateResult;
    cpuMs: Record<string, number>;
  };
  fanout?: FanoutClientResult & {
    payments: LoopSection;
    connectMs: number;
    since: number;
    finalPosition: number;
  };
  memory: { peakRssMb: Record<string, number> };
  settlement?: SettlementSection;
  /** The same processes after N/2 and after N more payments: flat RSS means nothing is retained per payment. */
  leak?: {
    payments: number;
    completed: number;
    errors: number;
    rssAtHalfMb: Record<string, number>;
    rssAtEndMb: Record<string, number>;
    /** (end − half) ÷ half, in %, per process. */
    growthPct: Record<string, number>;
  };
  embedded?: LoopSection & {
    peakRssMb: number;
    /** RSS a fresh process pays to create (initdb) and migrate the two PGlite databases, in MB. */
    pgliteFirstStart: Record<string, number>;
  };
  profile: {
    baselineHistory?: HistoryProfile;
    paymentHistory?: HistoryProfile;
    codec?: CodecProfile;
    cpuProfiles?: ProfileSummary[];
  };
  goals: Goal[];
  checks: Check[];
  /** Wall time of each section (s). */
  sectionSeconds: Record<string, number>;
  /** Sections that threw, with the error. */
  failures: Array<{ section: string; error: string }>;
}

/** The settlement section (bench/lib/settlement.ts): one run paying `partners` partners. */
export interface SettlementSection {
  partners: number;
  commissionsPerPartner: number;
  currencies: string[];
  periodEnd: string;
  occurredAt: string;
  settings: {
    concurrency: number;
    pageSize: number;
    pollInterval: string;
    commissionHold: string;
    minimums: Record<string, number>;
  };
  /** Registering the partners: setup, not measured. */
  partnerSetup: { how: string; ms: number; perSec: number };
  import: {
    format: 'ndjson' | 'csv';
    requests: number;
    rows: number;
    accepted: number;
    alreadyPresent: number;
    refusedCount: number;
    ms: number;
    commissionsPerSec: number;
    /** The API's peak RSS during the import (a streamed import should not grow it). */
    apiPeakRssMb: number;
  };
  settlementId: string;
  itemCount: number;
  skippedCount: number;
  finishedCount: number;
  /** Payouts by payment status at the end. */
  byStatus: Record<string, number>;
  /** Per currency, minor units: what the generator imported vs what the run's COMPLETED payouts carry. */
  totals: { expected: Record<string, string>; paid: Record<string, string>; match: boolean };
  /** POST /settlements round trip; the plan activity (claim + sums + items, one transaction); POST → first 200 of GET. */
  postMs: number;
  planMs: number | null;
  firstSeenMs: number | null;
  /** POST /settlements sent → the run's completedAt. */
  durationMs: number;
  payoutsPerSec: number;
  /** The payment path's payments/s in the same bench run, and payouts/s ÷ that. */
  paymentsPerSec: number | null;
  ratioToPayments: number | null;
  /**
   * CPU per payment ÷ CPU per payout (all the system's processes, the load generator aside): the
   * ratio two CPU-bound runs would show, much less sensitive to other load on the machine.
   */
  cpuRatioToPayments: number | null;
  /**
   * At 25/50/75/100 % of the payouts finished: time, rate within the quarter, CPU per payout within
   * it (all the system's processes; PostgreSQL's alone), other load, and the peak RSS of every process.
   */
  quarters: Array<{
    quarter: number;
    atSec: number;
    finished: number;
    payoutsPerSec: number;
    cpuMsPerPayout: number;
    postgresMsPerPayout: number;
    foreignBusyPct: number;
    peakRssMb: Record<string, number>;
  }>;
  /** The payment worker(s): peak during setup and import (≈ idle), per quarter (max over workers), Q4 − Q1. */
  workerRssMb: {
    beforeRun: Record<string, number>;
    byQuarter: number[];
    peak: number;
    growthQ1toQ4: number | null;
  };
  /** The run's executions (one per continue-as-new) and their histories. */
  temporal: {
    runs: number;
    continuedAsNew: number;
    historyEvents: number[];
    maxHistoryEvents: number;
    /** Event types summed over every execution of the run. */
    eventTypes: Record<string, number>;
    /** The run's workflow tasks and the sum of their run times (started → completed; local activities run inside them). */
    workflowTasks: number;
    workflowTaskRunMs: number;
    /**
     * The sliding window's refills: batches of child starts (one workflow task each), their mean
     * size, the time between batches, and batch → its last child started.
     */
    refills: { batches: number; meanBatch: number; intervalMs: Summary; childrenStartedMs: Summary };
    /**
     * Runs whose payouts an activity starts (payouts-started-by-activity): its pages, each one
     * activity from scheduled to completed, and how long a page took.
     */
    starterPages: { pages: number; pageMs: Summary };
  };
  /** Payouts in flight on average (Little: payouts/s × mean payout span start → completePayment). */
  avgInFlight: number;
  cpuMs: Record<string, number>;
  cpuMsPerPayout: Record<string, number>;
  machineBusyPct: number;
  foreignBusyPct: number;
  db: {
    perPayout: { xactCommit: number; tables: DbStats['tables'] };
    bankPerPayout?: { xactCommit: number };
  };
  /** Up to 30 payouts' histories, start → completePayment (notices aside). */
  payoutHistory: HistoryProfile;
}
