/**
 * A dependency `GET /health/ready` must see working. Implementations answer
 * quickly (a few seconds at most) and throw when the dependency is down.
 */
export interface ReadinessCheck {
  readonly name: string;
  /** False when this app's configuration does not use the dependency (then it is not reported). */
  readonly enabled?: boolean;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Rejects when `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
