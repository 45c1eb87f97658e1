/**
 * The Temporal Web UI's codec link token travels in a URL path (`/codec/ui/<token>/decode`: the
 * Web UI can send no header of ours), so every place that records a URL — the access log, error
 * logs, trace attributes, problem+json `instance` and 404 details — records it through here.
 */
const CODEC_UI_TOKEN_SEGMENT = /(\/codec\/ui\/)[^/?#]*/gi;

export const REDACTED = '[redacted]';

export function redactUrl(url: string): string {
  return url.replace(CODEC_UI_TOKEN_SEGMENT, `$1${REDACTED}`);
}
