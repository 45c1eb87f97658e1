import { isDomainError, type DomainError } from '../../src/domain/domain-error';

/** Runs `fn` and returns the DomainError it throws; fails the test if it throws nothing or something else. */
export function expectDomainError(fn: () => unknown, code: string): DomainError {
  try {
    fn();
  } catch (e) {
    if (!isDomainError(e)) throw e;
    expect(e.code).toBe(code);
    return e;
  }
  throw new Error(`Expected DomainError ${code}, but nothing was thrown`);
}
