import { ApplicationFailure } from '@temporalio/common';
import { isDomainError } from '../domain/domain-error';

/**
 * Expected domain refusals must not be retried: they become non-retryable failures carrying the
 * domain code as their type, which the workflow and API read back. Anything else is rethrown so
 * Temporal retries it (database blips, timeouts).
 */
export async function withDomainFailures<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (isDomainError(e))
      throw ApplicationFailure.create({
        message: e.message,
        type: e.code,
        nonRetryable: true,
        details: [e.details ?? {}],
      });
    throw e;
  }
}
