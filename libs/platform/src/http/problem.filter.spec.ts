import { describe, expect, it } from '@jest/globals';
import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { toProblem } from './problem.filter.js';
import { ProblemError } from './problem.js';

class InsufficientFunds extends Error {
  readonly code = 'INSUFFICIENT_FUNDS';
}

function fastifyError(code: string, statusCode: number, message = code): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe('toProblem', () => {
  it('maps a domain error by its stable code', () => {
    const { problem, unexpected } = toProblem(new InsufficientFunds('balance 10 < 50'));
    expect(problem).toMatchObject({ status: 422, code: 'INSUFFICIENT_FUNDS', detail: 'balance 10 < 50' });
    expect(problem.type).toMatch(/insufficient-funds$/);
    expect(unexpected).toBeUndefined();
  });

  it('maps validation errors to 400 VALIDATION_FAILED with each message', () => {
    const { problem } = toProblem(
      new BadRequestException(['amount must be an integer', 'property x should not exist']),
    );
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(problem.errors).toEqual(['amount must be an integer', 'property x should not exist']);
  });

  it('maps an unknown route to 404 NOT_FOUND', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x')).problem).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  it('keeps the readiness details of a failed health check', () => {
    const details = { kafka: { status: 'down', message: 'refused' } };
    const { problem } = toProblem(new ServiceUnavailableException({ status: 'error', details }));
    expect(problem).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', checks: details });
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 413, 'PAYLOAD_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 400, 'VALIDATION_FAILED'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 400, 'VALIDATION_FAILED'],
    ['FST_ERR_BAD_URL', 400, 400, 'VALIDATION_FAILED'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 400, 'VALIDATION_FAILED'],
  ])('maps Fastify error %s to %i', (code, statusCode, status, problemCode) => {
    expect(toProblem(fastifyError(code, statusCode)).problem).toMatchObject({ status, code: problemCode });
  });

  it('answers 503 with Retry-After when the database is unreachable', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { problem, headers } = toProblem(err);
    expect(problem).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(headers['retry-after']).toBe('1');
  });

  it('answers 500 without leaking the message or stack of an unexpected error', () => {
    const err = new TypeError('secret internals at line 42');
    const { problem, unexpected } = toProblem(err);
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(problem)).not.toContain('secret internals');
    expect(unexpected).toBe(err);
  });

  it('honours a ProblemError with its headers', () => {
    const { problem, headers } = toProblem(
      new ProblemError('PROJECTION_LAGGING', 'behind', { 'retry-after': '1' }),
    );
    expect(problem).toMatchObject({ status: 503, code: 'PROJECTION_LAGGING' });
    expect(headers).toEqual({ 'retry-after': '1' });
  });
});
