import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { JsonLogger } from './json-logger.js';

const SECRET = 'a-jwt-secret-that-must-never-reach-a-log-line';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

function capture(): { logger: JsonLogger; output: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: new JsonLogger('test', 'trace', sink), output: () => lines.join('') };
}

describe('JsonLogger redaction', () => {
  it.each([
    ['a top-level authorization', { authorization: `Bearer ${TOKEN}` }],
    ['a header map', { headers: { authorization: `Bearer ${TOKEN}` } }],
    ['a request with headers', { request: { headers: { authorization: `Bearer ${TOKEN}` } } }],
    ['a config object', { config: { JWT_SECRET: SECRET, PERSONAL_DATA_MASTER_KEY: SECRET } }],
    ['top-level settings', { JWT_SECRET: SECRET, PERSONAL_DATA_MASTER_KEY: SECRET }],
  ])('never writes the token or a secret from %s', (_name, fields) => {
    const { logger, output } = capture();
    logger.log({ msg: 'something happened', ...fields }, 'Test');
    logger.pino.flush();
    expect(output()).toContain('something happened');
    expect(output()).toContain('[redacted]');
    expect(output()).not.toContain(TOKEN);
    expect(output()).not.toContain(SECRET);
  });
});
