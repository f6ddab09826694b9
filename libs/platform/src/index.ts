export { BaseConfig } from './config/base.config.js';
export { loadConfig, ConfigValidationError } from './config/load-config.js';
export { TestOnly } from './config/test-only.js';
export { JsonLogger } from './logging/json-logger.js';
export { requestContext, correlationIdFrom, type RequestContext } from './logging/request-context.js';
export {
  PROBLEM_STATUS,
  ProblemError,
  problemDocument,
  isProblemCode,
  type ProblemCode,
  type ProblemDocument,
} from './http/problem.js';
export { ProblemDetailsFilter, toProblem } from './http/problem.filter.js';
export { createHttpApp, listen, BODY_LIMIT_BYTES, type HttpAppOptions } from './http/bootstrap.js';
export { FastPath, type RouteFastPath } from './http/fast-path.js';
export { serveFromWorkers, type HttpWorkersOptions } from './http/http-workers.js';
export { READINESS_CHECKS, withTimeout, type ReadinessCheck } from './health/readiness-check.js';
export { MetricsRegistry } from './metrics/metrics.js';
export { dataSourceOptions } from './database/data-source-options.js';
export { runMigrationsLocked, type MigrationClass } from './database/migrations.js';
export { sessionOptions } from './database/session-options.js';
export { PlatformModule, APP_NAME, strictValidationPipe, type PlatformOptions } from './platform.module.js';
export { AuthModule } from './auth/auth.module.js';
export { JwtAuthGuard, bearerTokenOf, type AuthenticatedRequest } from './auth/jwt-auth.guard.js';
export { RateLimitModule } from './rate-limit/rate-limit.module.js';
export { CallerRateLimit } from './rate-limit/caller-rate-limit.js';
export { CallerRateLimitGuard } from './rate-limit/caller-rate-limit.guard.js';
export { JwtVerifier } from './auth/jwt-verifier.js';
export { Public, Roles, CurrentActor, IS_PUBLIC_KEY, ROLES_KEY } from './auth/auth.decorators.js';
export { ROLES, isRole, hasRole, isStaff, canActOnOwner, type Actor, type Role } from './auth/actor.js';
export {
  verifyJwt,
  signJwt,
  JwtError,
  DEFAULT_CLOCK_SKEW_SECONDS,
  type JwtAlgorithm,
  type JwtFailure,
  type JwtSigningKey,
  type JwtVerificationKey,
  type JwtVerifyOptions,
  type VerifiedJwt,
} from './auth/jwt.js';
export { DEV_JWT_SECRET, JwtConfigError, resolveJwtKey, type ResolvedJwtKey } from './auth/jwt-key.js';
export {
  isTracing,
  startTracing,
  stopTracing,
  flushTracing,
  startSpan,
  inSpan,
  failSpan,
  withActiveSpan,
  activeTraceHeaders,
  spanTraceHeaders,
  SpanKind,
  SpanStatusCode,
  type Span,
  type SpanLink,
  type TraceContext,
  type TraceSpanOptions,
  type TracingSettings,
} from './tracing/tracing.js';
export {
  traceContextFrom,
  traceHeadersOf,
  parseTraceparent,
  TRACEPARENT,
  TRACESTATE,
  CLOUD_EVENTS_TRACE_PREFIX,
  type HeaderCarrier,
  type TraceHeaders,
} from './tracing/trace-context.js';
