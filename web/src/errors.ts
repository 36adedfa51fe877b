import { DEFAULT_CODES, REASON_PHRASES } from './rules.js';
import type { ErrorBody, ErrorCode } from './types.js';

/**
 * A refused call: the HTTP-like status, message and machine-readable code of every error body
 * (e.g. 404 "Order ORD-000009 not found", code NOT_FOUND; 409 code INSUFFICIENT_INVENTORY).
 */
export class EdgeCartError extends Error {
  readonly status: number;
  /** What went wrong, for a program to branch on: `VERSION_CONFLICT`, `FORBIDDEN`, ... */
  readonly code: ErrorCode;
  /** The full error body, when the core produced one. */
  readonly body: ErrorBody;

  constructor(status: number, message: string, body?: ErrorBody) {
    super(message);
    this.name = 'EdgeCartError';
    this.status = status;
    this.code = body?.code ?? defaultCode(status);
    this.body = body ? { ...body, code: this.code } : { statusCode: status, error: reasonPhrase(status), message, code: this.code };
  }
}

function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? 'Error';
}

// The code of a status when nothing more specific is known (as the core's defaultErrorCode).
function defaultCode(status: number): ErrorCode {
  return DEFAULT_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED');
}
