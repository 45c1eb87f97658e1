import { readdirSync, readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';

/**
 * Resident memory and CPU time of process trees, read from /proc (Linux only).
 *
 * Each tracked group is a root pid (a child we spawned, in a process group of its own) plus every
 * descendant, or a dynamic set of pids (the PostgreSQL backends serving our databases). RSS is the
 * sum of the tree's VmRSS (/proc/<pid>/status); CPU is utime+stime (/proc/<pid>/stat), kept per pid
 * at its last seen value so CPU of a process that exits mid-phase is not lost.
 */

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on every Linux we run on
const TREE_REFRESH_MS = 2_000;

interface StatLine {
  pid: number;
  ppid: number;
  cpuMs: number;
}

function readStat(pid: number): StatLine | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: fields start after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] = state (field 3), rest[1] = ppid (4), rest[11] = utime (14), rest[12] = stime (15)
    const ppid = Number(rest[1]);
    const ticks = Number(rest[11]) + Number(rest[12]);
    return { pid, ppid, cpuMs: (ticks * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}

function readRssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** Machine-wide CPU time (all cores), to tell our processes' load from everyone else's. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: ((total - idle) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
}

interface Group {
  name: string;
  root?: number;
  /** For dynamic groups: returns the current member pids. */
  members?: () => number[];
  pids: Set<number>;
  peakRssKb: number;
  lastRssKb: number;
  /** Peak since the last `windowPeaks()` call. */
  windowPeakKb: number;
  /** Last seen CPU per pid (ms). */
  cpu: Map<number, number>;
  stoppedAt?: number;
}

export interface GroupSnapshot {
  name: string;
  peakRssMb: number;
  cpuMs: number;
}

export class ProcessSampler {
  private readonly groups = new Map<string, Group>();
  private timer: NodeJS.Timeout | undefined;
  private lastTreeRefresh = 0;

  constructor(private readonly intervalMs = 250) {}

  /** Tracks `root` and its descendants under `name` (a later call with the same name replaces it). */
  track(name: string, root: number): void {
    this.groups.set(name, {
      name,
      root,
      pids: new Set([root]),
      peakRssKb: 0,
      lastRssKb: 0,
      windowPeakKb: 0,
      cpu: new Map(),
    });
    this.lastTreeRefresh = 0;
    this.sample();
  }

  /** Tracks a changing set of pids (e.g. PostgreSQL backends), CPU only makes sense for these. */
  trackDynamic(name: string, members: () => number[]): void {
    this.groups.set(name, {
      name,
      members,
      pids: new Set(),
      peakRssKb: 0,
      lastRssKb: 0,
      windowPeakKb: 0,
      cpu: new Map(),
    });
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Freezes a group (its process is gone): its peak stays, its CPU stays at the last value seen. */
  untrack(name: string): void {
    const g = this.groups.get(name);
    if (g) {
      this.sampleGroup(g);
      g.stoppedAt = Date.now();
      g.pids.clear();
    }
  }

  sample(): void {
    const now = Date.now();
    if (now - this.lastTreeRefresh >= TREE_REFRESH_MS) {
      this.lastTreeRefresh = now;
      this.refreshTrees();
    }
    for (const g of this.groups.values()) if (g.stoppedAt === undefined) this.sampleGroup(g);
  }

  private refreshTrees(): void {
    const rooted = [...this.groups.values()].filter((g) => g.root !== undefined && g.stoppedAt === undefined);
    if (rooted.length === 0) return;
    const children = new Map<number, number[]>();
    for (const pid of allPids()) {
      const s = readStat(pid);
      if (!s) continue;
      const list = children.get(s.ppid);
      if (list) list.push(pid);
      else children.set(s.ppid, [pid]);
    }
    for (const g of rooted) {
      const pids = new Set<number>();
      const queue = [g.root!];
      while (queue.length) {
        const pid = queue.pop()!;
        if (pids.has(pid)) continue;
        pids.add(pid);
        queue.push(...(children.get(pid) ?? []));
      }
      g.pids = pids;
    }
  }

  private sampleGroup(g: Group): void {
    if (g.members) {
      try {
        g.pids = new Set(g.members());
      } catch {
        /* keep the last set */
      }
    }
    let rss = 0;
    for (const pid of g.pids) {
      const s = readStat(pid);
      if (!s) continue;
      g.cpu.set(pid, s.cpuMs);
      if (!g.members) rss += readRssKb(pid);
    }
    g.lastRssKb = rss;
    if (rss > g.peakRssKb) g.peakRssKb = rss;
    if (rss > g.windowPeakKb) g.windowPeakKb = rss;
  }

  cpuMs(name: string): number {
    const g = this.groups.get(name);
    if (!g) return 0;
    let sum = 0;
    for (const v of g.cpu.values()) sum += v;
    return sum;
  }

  /** CPU (ms) of every group now, after a fresh sample: the start or end mark of a phase. */
  cpuMark(): Record<string, number> {
    this.sample();
    const out: Record<string, number> = {};
    for (const name of this.groups.keys()) out[name] = this.cpuMs(name);
    out['bench driver'] = (process.cpuUsage().user + process.cpuUsage().system) / 1000;
    return out;
  }

  /**
   * Peak RSS (MB) of each live process tree since the previous call (after a fresh sample), then a
   * new window starts: the peaks of a phase's parts (e.g. each quarter of a settlement run).
   */
  windowPeaks(): Record<string, number> {
    this.sample();
    const out: Record<string, number> = {};
    for (const g of this.groups.values()) {
      if (g.members || g.stoppedAt !== undefined) continue;
      out[g.name] = Math.round(g.windowPeakKb / 1024);
      g.windowPeakKb = g.lastRssKb;
    }
    return out;
  }

  /** RSS (MB) of each live process tree now, after a fresh sample. */
  current(): Record<string, number> {
    this.sample();
    const out: Record<string, number> = {};
    for (const g of this.groups.values()) {
      if (g.members || g.stoppedAt !== undefined) continue;
      out[g.name] = Math.round(g.lastRssKb / 1024);
    }
    return out;
  }

  peaks(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const g of this.groups.values()) if (!g.members) out[g.name] = Math.round(g.peakRssKb / 1024);
    return out;
  }
}

export function cpuDelta(start: Record<string, number>, end: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(end)) {
    const d = v - (start[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memTotalGb: number;
  memFreeGb: number;
  freeG: string;
  loadAvg: number[];
  node: string;
  temporalCli?: string;
}

export function machineInfo(): MachineInfo {
  let freeG = '';
  try {
    freeG = execFileSync('free', ['-g'], { encoding: 'utf8' }).trim();
  } catch {
    /* not installed */
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    /* keep os.cpus() */
  }
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  return {
    nproc,
    cpuModel: model,
    memTotalGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    memFreeGb: Math.round((freemem() / 2 ** 30) * 10) / 10,
    freeG,
    loadAvg: loadavg().map((v) => Math.round(v * 100) / 100),
    node: process.version,
  };
}
