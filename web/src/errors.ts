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
  const phrases: Record<number, string> = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
    413: 'Payload Too Large', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
    500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 507: 'Insufficient Storage',
  };
  return phrases[status] ?? 'Error';
}

// The code of a status when nothing more specific is known (as the core's defaultErrorCode).
function defaultCode(status: number): ErrorCode {
  const codes: Record<number, ErrorCode> = {
    400: 'VALIDATION_FAILED', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT',
    413: 'PAYLOAD_TOO_LARGE', 422: 'IDEMPOTENCY_KEY_REUSED', 429: 'TOO_MANY_REQUESTS', 502: 'UNAVAILABLE',
    503: 'UNAVAILABLE', 507: 'STORAGE_FAILED',
  };
  return codes[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED');
}
