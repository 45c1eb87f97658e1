import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fullApi } from '../../test/support/contract-document';

const ROOT = join(__dirname, '..', '..');
/** Inside the repository: `.spectral.yaml`'s overrides match documents below it only. */
const DOCUMENT = join(ROOT, 'artifacts', 'openapi.json');

interface SpectralResult {
  code: string;
  message: string;
  path: string[];
  severity: number;
}

/** Spectral's CLI on the document with the repository's ruleset; resolves with every result. */
function spectral(file: string): Promise<SpectralResult[]> {
  const cli = join(require.resolve('@stoplight/spectral-cli/package.json'), '..', 'dist', 'index.js');
  const args = [cli, 'lint', file, '--ruleset', join(ROOT, '.spectral.yaml'), '--format', 'json', '--quiet'];
  return new Promise((resolve, reject) =>
    // It exits 1 when it found errors: the results are on stdout either way.
    execFile(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout) as SpectralResult[]);
      } catch {
        reject(new Error(`spectral did not answer JSON (${err?.message ?? 'no error'}): ${stderr}`));
      }
    }),
  );
}

describe('the OpenAPI document', () => {
  it('passes Spectral with spectral:oas and the OWASP API Security ruleset: no errors', async () => {
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
    // API_PUBLIC_URL as deployed, behind TLS: the local default (http://localhost:5000) is reported
    // by owasp:api8:2023-no-server-http, rightly.
    const document = fullApi('https://payments.example.com').openApi();
    writeFileSync(DOCUMENT, JSON.stringify(document, null, 2));

    const results = await spectral(DOCUMENT);

    const errors = results
      .filter((r) => r.severity === 0)
      .map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
    expect(errors).toEqual([]);
  }, 120_000);
});
