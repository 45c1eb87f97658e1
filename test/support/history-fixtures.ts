import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { testDataConverter } from './system';
import { requireRecording, testEnvironment } from './test-env';

/**
 * A committed workflow history fixture the replay tests need. A missing one fails the test: a
 * fixture that silently re-recorded itself would replay today's code against today's code and
 * prove nothing. Recording is explicit (`make fixtures`, ALPES_RECORD_FIXTURES=1): then a missing
 * fixture is written from `fresh` (delete a file to record it again) and said loudly.
 */
export function ensureFixture(file: string, fresh: () => Parameters<typeof historyToJSON>[0]): unknown {
  if (existsSync(file)) return readFixture(file);
  if (!requireRecording()) {
    throw new Error(
      `workflow history fixture ${file} is missing: record it on purpose with \`make fixtures\` and commit it`,
    );
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${historyToJSON(fresh())}\n`);
  console.warn(`!!! RECORDED workflow history fixture ${file}: commit it, it is the determinism baseline`);
  // Read back even right after recording, so the JSON round trip itself is replayed.
  return readFixture(file);
}

/** A committed history fixture, as the replayer takes it (JSON). */
export const readFixture = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

/** Every committed fixture of a folder (`*.json`, by name), as `fixture:<file>`. */
export const readFixtureDir = (dir: string): Array<{ workflowId: string; history: unknown }> =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ workflowId: `fixture:${f}`, history: readFixture(join(dir, f)) }));

export interface ReplayOptions {
  /** The system's strict converter unless said otherwise (histories from before encryption). */
  dataConverter?: DataConverter;
  /** The suite's payments bundle unless said otherwise. */
  bundlePath?: string;
  replayName?: string;
}

/** Replays histories against today's workflow code: one result per history, in order. */
export async function replayHistories(
  histories: Array<{ workflowId: string; history: unknown }>,
  { dataConverter = testDataConverter, bundlePath, replayName = 'replay' }: ReplayOptions = {},
): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: { codePath: bundlePath ?? testEnvironment().workflowBundlePath },
      dataConverter,
      replayName,
    },
    histories as never,
  )) {
    results.push(result);
  }
  return results;
}

/** `<workflowId>: <error>` for each history that does not replay (a determinism error, a refused payload). */
export async function replayErrors(
  histories: Array<{ workflowId: string; history: unknown }>,
  options: ReplayOptions = {},
): Promise<string[]> {
  const results = await replayHistories(histories, options);
  return results.filter((r) => r.error).map((r) => `${r.workflowId}: ${String(r.error)}`);
}

/**
 * The payment workflow's current path, part of every payment fixture's file name. When a change
 * behind a new `patched` reshapes the history, bump it: `make fixtures` then records the new path
 * beside the older fixtures, which keep replaying.
 */
const PAYMENT_PATH = 'patches-at-start';

/** The fixture file of one payment shape on the current path, e.g. `payment-patches-at-start-completed.json`. */
export const paymentFixtureName = (shape: string): string => `payment-${PAYMENT_PATH}-${shape}.json`;
