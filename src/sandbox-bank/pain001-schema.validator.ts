import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Checks a received pain.001 against the official pain.001.001.10 XSD with xmllint (libxml2-utils),
 * as a bank's gateway does before reading a file. Without a configured XSD the bank only reads the
 * file (pain001.reader.ts): `schemaChecked` says which.
 */

export type SchemaVerdict = { valid: true } | { valid: false; reason: string };

export interface Pain001SchemaValidator {
  readonly schemaChecked: boolean;
  check(xml: string): Promise<SchemaVerdict>;
}

const MAX_REASON = 2_000;

/** A config error at start-up (never at the first file) when the XSD or xmllint is not there. */
export function createPain001SchemaValidator(xsdPath: string | undefined): Pain001SchemaValidator {
  if (xsdPath === undefined) return { schemaChecked: false, check: async () => ({ valid: true }) };
  if (!existsSync(xsdPath)) {
    throw new Error(`SANDBOX_BANK_PAIN001_XSD: no file at ${xsdPath} (run \`make iso20022-xsd\`)`);
  }
  if (spawnSync('xmllint', ['--version']).status !== 0) {
    throw new Error(
      'SANDBOX_BANK_PAIN001_XSD is set but xmllint is not installed (apt-get install libxml2-utils, or `make xmllint`); unset it to take files without a schema check',
    );
  }
  return {
    schemaChecked: true,
    check: (xml) =>
      new Promise((resolve, reject) => {
        // --nonet: a file must never make the bank fetch anything; `-` reads the file from stdin.
        const child = execFile(
          'xmllint',
          ['--noout', '--nonet', '--schema', xsdPath, '-'],
          { timeout: 30_000, maxBuffer: 1024 * 1024 },
          (err, _stdout, stderr) => {
            if (!err) return resolve({ valid: true });
            const code = (err as { code?: unknown }).code;
            // 1: not well-formed; 3/4: invalid against the schema. Anything else is the bank's problem.
            if (code !== 1 && code !== 3 && code !== 4) return reject(err);
            const reason = stderr
              .split('\n')
              .map((l) => l.replace(/^-:/, 'line ').trim())
              .filter((l) => l !== '' && l !== '- fails to validate')
              .join('\n')
              .slice(0, MAX_REASON);
            resolve({ valid: false, reason: reason || 'the file does not validate against pain.001.001.10' });
          },
        );
        child.stdin?.end(xml);
      }),
  };
}
