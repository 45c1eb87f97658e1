import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { CrashPoint, CrashPointSite } from '../../ports/crash-point.port';

/**
 * The test suite's crash matrix (test/payment-crash-matrix.itest.ts): a JSON file of faults, each
 * "stop this worker process right after <step> committed for <partner>". `exit` kills the process
 * (SIGKILL, like a lost machine); `freeze` stops it (SIGSTOP) until the test resumes it, so its
 * workflow task or activity times out while it still holds them (a GC pause, a stalled VM).
 * Config refuses TEST_CRASH_PLAN outside NODE_ENV=test.
 */
export interface CrashFault {
  partnerId: string;
  /** A step name as in CrashPointSite, or `notice` for whichever notice comes first. */
  step: string;
  mode: 'exit' | 'freeze';
}

export interface CrashPlanFile {
  faults: CrashFault[];
}

/** Where the fault that fired says what it hit: `<plan>.<index>.fired` (JSON: pid, step, paymentId). */
export const firedMarkerPath = (planPath: string, index: number): string => `${planPath}.${index}.fired`;

const matches = (fault: CrashFault, site: CrashPointSite): boolean =>
  fault.partnerId === site.partnerId &&
  (fault.step === site.step || (fault.step === 'notice' && site.step.startsWith('notice:')));

export function crashPlanPoint(planPath: string): CrashPoint {
  return (site) => {
    // Read every time: the test writes its plan while the workers run.
    let plan: CrashPlanFile;
    try {
      plan = JSON.parse(readFileSync(planPath, 'utf8')) as CrashPlanFile;
    } catch {
      return;
    }
    for (const [index, fault] of plan.faults.entries()) {
      if (!matches(fault, site)) continue;
      let fd: number;
      try {
        // Exclusive create: across every worker process, each fault fires once.
        fd = openSync(firedMarkerPath(planPath, index), 'wx');
      } catch {
        continue;
      }
      writeSync(
        fd,
        JSON.stringify({ pid: process.pid, ...site, mode: fault.mode, at: new Date().toISOString() }),
      );
      closeSync(fd);
      process.kill(process.pid, fault.mode === 'exit' ? 'SIGKILL' : 'SIGSTOP');
      return;
    }
  };
}
