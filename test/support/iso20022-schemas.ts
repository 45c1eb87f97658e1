import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/**
 * The official ISO 20022 XSDs and xmllint, for tests that check our bank files. The schemas come
 * from the Go module github.com/moov-io/iso20022, fetched into Go's module cache on first use by
 * scripts/ensure-iso20022-xsd.sh (`make iso20022-xsd`); xmllint from Debian's libxml2-utils
 * (`make xmllint`). Nothing of either is in the repository.
 */

export interface Iso20022Schemas {
  pain001: string;
  pain002: string;
  camt053: string;
  camt054: string;
}

const SCRIPT = resolve(__dirname, '../../scripts/ensure-iso20022-xsd.sh');

/** The schemas' paths, or what is missing (the script's own explanation). */
export function iso20022Schemas(): { schemas: Iso20022Schemas } | { missing: string } {
  const res = spawnSync('bash', [SCRIPT], { encoding: 'utf8', timeout: 180_000 });
  if (res.status !== 0) {
    const why = res.stderr?.trim() || String(res.error ?? `exit ${res.status}`);
    return { missing: `the ISO 20022 XSDs (scripts/ensure-iso20022-xsd.sh: ${why})` };
  }
  const specs = join(res.stdout.trim(), 'docs/specifications');
  return {
    schemas: {
      pain001: join(specs, 'payments_initiation_11/pain.001.001.10_1.xsd'),
      pain002: join(specs, 'payments_initiation_11/pain.002.001.11.xsd'),
      camt053: join(specs, 'banktocustomer_cash_management_8/camt.053.001.08.xsd'),
      camt054: join(specs, 'banktocustomer_cash_management_8/camt.054.001.08.xsd'),
    },
  };
}

export const xmllintAvailable = (): boolean => spawnSync('xmllint', ['--version']).status === 0;

/** `xmllint --noout --schema <xsd> <file>`: valid when it exits 0; its output either way. */
export function xmllint(schema: string, file: string): { valid: boolean; output: string } {
  const res = spawnSync('xmllint', ['--noout', '--schema', schema, file], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { valid: res.status === 0, output: `${res.stdout ?? ''}${res.stderr ?? ''}`.trim() };
}
