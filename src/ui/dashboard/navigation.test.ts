import { hashOf, viewFromHash, VIEWS } from './navigation';

describe('dashboard navigation', () => {
  it('reads the view from the address and writes it back the same way', () => {
    for (const v of VIEWS) expect(viewFromHash(hashOf(v))).toBe(v);
    expect(viewFromHash('#/settlements/')).toBe('settlements');
  });

  it('leaves other fragments alone: the skip link, the key hand-over, nothing', () => {
    expect(viewFromHash('')).toBeUndefined();
    expect(viewFromHash('#payments-heading')).toBeUndefined();
    expect(viewFromHash('#key=abc')).toBeUndefined();
    expect(viewFromHash('#/nowhere')).toBeUndefined();
  });
});
