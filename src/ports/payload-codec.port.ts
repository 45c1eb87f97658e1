/**
 * Refused by the payload codec: a payload that is not encrypted with our keys (only this system's
 * clients and workers may send payloads), unless plaintext is explicitly accepted.
 */
export class UnencryptedPayloadError extends Error {
  constructor() {
    super("refusing an unencrypted payload: only this system's clients and workers may send payloads");
    this.name = 'UnencryptedPayloadError';
  }
}
