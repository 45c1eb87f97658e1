import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { requireRecording } from './test-env';

/**
 * A committed workflow history fixture the replay tests need. A missing one fails the test: a
 * fixture that silently re-recorded itself would replay today's code against today's code and
 * prove nothing. Recording is explicit (`make fixtures`, ALPES_RECORD_FIXTURES=1): then a missing
 * fixture is written from `fresh` (delete a file to record it again) and said loudly.
 */
export function ensureFixture(file: string, fresh: () => Parameters<typeof historyToJSON>[0]): void {
  if (existsSync(file)) return;
  if (!requireRecording()) {
    throw new Error(
      `workflow history fixture ${file} is missing: record it on purpose with \`make fixtures\` and commit it`,
    );
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${historyToJSON(fresh())}\n`);
  console.warn(`!!! RECORDED workflow history fixture ${file}: commit it, it is the determinism baseline`);
}

/**
 * The payment workflow's current path, part of every payment fixture's file name. When a change
 * behind a new `patched` reshapes the history, bump it: `make fixtures` then records the new path
 * beside the older fixtures, which keep replaying.
 */
const PAYMENT_PATH = 'local-steps';

/** The fixture file of one payment shape on the current path, e.g. `payment-local-steps-completed.json`. */
export const paymentFixtureName = (shape: string): string => `payment-${PAYMENT_PATH}-${shape}.json`;
