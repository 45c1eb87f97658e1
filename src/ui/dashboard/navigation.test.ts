import { hashOf, viewFromHash, VIEWS, viewsFor } from './navigation';

describe('dashboard navigation', () => {
  it('reads the view from the address and writes it back the same way', () => {
    for (const v of VIEWS) expect(viewFromHash(hashOf(v))).toBe(v);
    expect(viewFromHash('#/settlements/')).toBe('settlements');
    expect(viewFromHash('#/bank-files')).toBe('bank-files');
    expect(viewFromHash('#/reconciliation')).toBe('reconciliation');
  });

  it('leaves other fragments alone: the skip link, the key hand-over, nothing', () => {
    expect(viewFromHash('')).toBeUndefined();
    expect(viewFromHash('#payments-heading')).toBeUndefined();
    expect(viewFromHash('#key=abc')).toBeUndefined();
    expect(viewFromHash('#/nowhere')).toBeUndefined();
    expect(viewFromHash('#/bank-')).toBeUndefined();
  });

  it('gives a partner key its portal only, and the audit log to admins only', () => {
    expect(viewsFor('partner')).toEqual(['portal']);
    expect(viewsFor('admin')).toContain('audit');
    for (const role of ['operator', 'viewer', undefined]) {
      expect(viewsFor(role)).not.toContain('audit');
      expect(viewsFor(role)).not.toContain('portal');
      expect(viewsFor(role)).toContain('charts');
      // Viewers see the files too; the API keeps the documents to operators.
      expect(viewsFor(role)).toContain('bank-files');
      // Viewers read the queue and the totals; the API keeps resolving to operators.
      expect(viewsFor(role)).toContain('reconciliation');
    }
  });
});
