import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Validation of an XML document against an official XSD with xmllint (Debian's libxml2-utils): the
 * bank's gateway checks pain.001 files with it, our reconciliation checks camt statements. Node has
 * no maintained XSD 1.0 validator; xmllint is libxml2's own.
 */

export type XsdVerdict = { valid: true } | { valid: false; reason: string };

const MAX_REASON = 2_000;

/**
 * Start-up check for configured schemas: every path exists and xmllint runs, so a misconfiguration
 * shows when the process starts, never at the first document. `setting` names the variable(s).
 */
export function requireXsdFiles(setting: string, paths: readonly string[]): void {
  for (const p of paths)
    if (!existsSync(p)) throw new Error(`${setting}: no file at ${p} (run \`make iso20022-xsd\`)`);
  if (paths.length > 0 && spawnSync('xmllint', ['--version']).status !== 0)
    throw new Error(
      `${setting} is set but xmllint is not installed (apt-get install libxml2-utils, or \`make xmllint\`)`,
    );
}

/**
 * The document on stdin against `xsdPath`. --nonet: a document must never make us fetch anything.
 * Invalid or not well-formed documents resolve with the reason (xmllint's messages, `line N` for
 * its positions); a failure of xmllint itself rejects.
 */
export function checkAgainstXsd(xsdPath: string, xml: string, invalidReason: string): Promise<XsdVerdict> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'xmllint',
      ['--noout', '--nonet', '--schema', xsdPath, '-'],
      { timeout: 30_000, maxBuffer: 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (!err) return resolve({ valid: true });
        const code = (err as { code?: unknown }).code;
        // 1: not well-formed; 3/4: invalid against the schema. Anything else is a fault, not a verdict.
        if (code !== 1 && code !== 3 && code !== 4) return reject(err);
        const reason = stderr
          .split('\n')
          .map((l) => l.replace(/^-:/, 'line ').trim())
          .filter((l) => l !== '' && l !== '- fails to validate')
          .join('\n')
          .slice(0, MAX_REASON);
        resolve({ valid: false, reason: reason || invalidReason });
      },
    );
    child.stdin?.end(xml);
  });
}
