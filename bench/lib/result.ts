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
  activityCount: { counted: Record<string, number>; baselineActivities: number; sampleHistory?: string[] };
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
