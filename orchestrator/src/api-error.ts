import { type ErrorBody, type ErrorCode, httpStatusOf } from '@cubicle/protocol';

/** An error an API caller sees as it is: the HTTP status follows from the protocol code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    // The underlying error stays for the orchestrator's log; the caller sees the message only.
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  get status(): number {
    return httpStatusOf(this.code);
  }

  toBody(): { error: ErrorBody } {
    return { error: { code: this.code, message: this.message } };
  }
}
