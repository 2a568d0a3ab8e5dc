import { type ErrorBody, type ErrorCode, httpStatusOf } from '@cubicle/protocol';

/** An error an API caller sees as it is: the HTTP status follows from the protocol code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return httpStatusOf(this.code);
  }

  toBody(): { error: ErrorBody } {
    return { error: { code: this.code, message: this.message } };
  }
}
