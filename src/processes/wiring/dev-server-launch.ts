import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../../infra/config';
import type { DevServerOptions } from '../../infra/temporal/dev-server';

/**
 * How the launcher starts the Temporal dev server without putting the codec link token on its
 * command line (where `ps` shows it to every user of the machine). The Temporal CLI reads flag
 * values from an "environment" file (`--env-file F --env NAME`; its YAML maps NAME → flag → value,
 * cli v1.5 temporalcli/commands.go populateFlagsFromEnv), so the Web UI's codec endpoint goes into
 * such a file, mode 0600 in the data folder next to secrets.json, and the command line carries only
 * the file's path. `DevServerOptions` has no way to add arguments, so the CLI is started through a
 * two-line wrapper script that appends them (exec: the process is the CLI itself).
 */
export function devServerOptions(
  config: AppConfig,
  opts: { cliPath: string; codecUiToken: string; onLog?: (line: string) => void },
): DevServerOptions {
  const dir = resolve(config.dataDir, 'temporal-cli');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const envFile = join(dir, 'codec-env.yaml');
  const endpoint = `${config.api.publicUrl}/codec/ui/${opts.codecUiToken}`;
  // JSON strings are YAML strings: no quoting surprises whatever the URL holds.
  writeFileSync(envFile, `env:\n  ${ENV_NAME}:\n    ui-codec-endpoint: ${JSON.stringify(endpoint)}\n`, {
    mode: 0o600,
  });
  chmodSync(envFile, 0o600);
  const wrapper = join(dir, 'temporal');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec ${shellQuote(opts.cliPath)} "$@" --env-file ${shellQuote(envFile)} --env ${ENV_NAME}\n`,
    { mode: 0o700 },
  );
  chmodSync(wrapper, 0o700);
  return {
    cliPath: wrapper,
    port: config.temporal.port,
    uiPort: config.temporal.uiPort,
    dbFile: resolve(config.dataDir, 'temporal.db'),
    namespace: config.temporal.namespace,
    onLog: opts.onLog,
  };
}

/** The CLI environment our file defines (named, so a TEMPORAL_ENV in the user's shell cannot pick another). */
const ENV_NAME = 'alpes-launcher';

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
