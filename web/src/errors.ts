import type { ErrorBody } from './types.js';

/** A refused call: the HTTP-like status and message of SPEC §5 (e.g. 404 "Order ORD-000009 not found"). */
export class EdgeCartError extends Error {
  readonly status: number;
  /** The full error body, when the core produced one. */
  readonly body: ErrorBody;

  constructor(status: number, message: string, body?: ErrorBody) {
    super(message);
    this.name = 'EdgeCartError';
    this.status = status;
    this.body = body ?? { statusCode: status, error: reasonPhrase(status), message };
  }
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
    413: 'Payload Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable',
    507: 'Insufficient Storage',
  };
  return phrases[status] ?? 'Error';
}
