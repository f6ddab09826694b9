/** Stable error codes of the public API (SPEC §3, §4) and their HTTP status. */
export const PROBLEM_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  ACCOUNT_NOT_FOUND: 404,
  TRANSFER_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONCURRENCY_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INSUFFICIENT_FUNDS: 422,
  ACCOUNT_CLOSED: 422,
  ACCOUNT_NOT_EMPTY: 422,
  ACCOUNT_ALREADY_EXISTS: 409,
  BALANCE_LIMIT_EXCEEDED: 422,
  CURRENCY_MISMATCH: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  SAME_ACCOUNT: 422,
  PERSONAL_DATA_ERASED: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  PROJECTION_LAGGING: 503,
} as const;

export type ProblemCode = keyof typeof PROBLEM_STATUS;

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  correlationId?: string;
  [extension: string]: unknown;
}

const TITLES: Record<ProblemCode, string> = {
  VALIDATION_FAILED: 'Request validation failed',
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Forbidden',
  ACCOUNT_NOT_FOUND: 'Account not found',
  TRANSFER_NOT_FOUND: 'Transfer not found',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  CONCURRENCY_CONFLICT: 'Concurrent modification',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  INSUFFICIENT_FUNDS: 'Insufficient funds',
  ACCOUNT_CLOSED: 'Account closed',
  ACCOUNT_NOT_EMPTY: 'Account balance is not zero',
  ACCOUNT_ALREADY_EXISTS: 'Account already exists',
  BALANCE_LIMIT_EXCEEDED: 'The balance would exceed its limit',
  CURRENCY_MISMATCH: 'Currency mismatch',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused with another request',
  SAME_ACCOUNT: 'Source and target account are the same',
  PERSONAL_DATA_ERASED: "The customer's personal data has been erased",
  RATE_LIMITED: 'Too many requests',
  INTERNAL_ERROR: 'Internal error',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  PROJECTION_LAGGING: 'Read model is behind the requested version',
};

export function isProblemCode(code: unknown): code is ProblemCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(PROBLEM_STATUS, code);
}

export function problemDocument(
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemDocument {
  return {
    type: `https://cqrs-bank.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[code],
    status: PROBLEM_STATUS[code],
    detail,
    code,
    ...extensions,
  };
}

/**
 * An error any layer outside the pure domain may throw to answer with a given
 * problem (e.g. a lagging projection). Domain errors only need a `code`.
 */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly headers: Record<string, string> = {},
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}
