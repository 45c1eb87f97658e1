/** An HTTP-level refusal rendered as RFC 9457 problem+json by the error middleware. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extra: string]: unknown;
}

export const problemType = (slug: string): string => `https://alpes-partners.dev/problems/${slug}`;

/**
 * What a problem body holds at most, as the API documents it: details and errors may echo input
 * (unknown keys, references) or upstream text, so the problem middleware cuts them to fit.
 */
export const PROBLEM_LIMITS = {
  title: 200,
  detail: 2000,
  instance: 2000,
  code: 100,
  /** Entries of `errors`: a refused batch lists every failing item (1,000 at most). */
  errors: 1000,
  /** Any text of one `errors` entry (`field`, `message`, an echoed `externalRef`). */
  errorText: 1000,
} as const;
