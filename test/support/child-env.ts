/**
 * The part of the test runner's own environment a spawned child needs to start at all: PATH to
 * find `node`, HOME for caches. Everything else a child gets is built explicitly by the test, so
 * no setting leaks in from the developer's shell.
 */
export function inheritedChildEnv(): Record<string, string> {
  // eslint-disable-next-line no-restricted-properties -- child processes inherit PATH/HOME
  const { PATH, HOME } = process.env;
  return { ...(PATH ? { PATH } : {}), ...(HOME ? { HOME } : {}) };
}
