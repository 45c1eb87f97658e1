/**
 * Before asserting "exactly this, nothing more arrives": waits until what `probe` observes stays
 * the same over `polls` polls `intervalMs` apart, so a late duplicate is seen. A fixed sleep is
 * too short on a busy machine and time wasted on an idle one. Returns the settled value.
 */
export async function untilSettled<T>(
  probe: () => T | Promise<T>,
  { polls = 4, intervalMs = 150, timeoutMs = 15_000 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  let last = JSON.stringify(value);
  let stable = 0;
  while (stable < polls) {
    if (Date.now() > deadline) {
      throw new Error(`never settled within ${timeoutMs}ms; last value: ${last}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await probe();
    const now = JSON.stringify(value);
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return value;
}
