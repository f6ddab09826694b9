import { describe, expect, it } from '@jest/globals';
import { CursorCodec, isRecord } from './cursor.js';

const codec = new CursorCodec<{ before: number }>(
  (v): v is { before: number } =>
    isRecord(v) && Object.keys(v).length === 1 && Number.isSafeInteger(v.before),
);
const raw = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('CursorCodec', () => {
  it('decodes what it encoded, as URL-safe text', () => {
    const cursor = codec.encode({ before: 1234 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor)).toEqual({ before: 1234 });
  });

  it.each([
    ['not base64url', '!!!'],
    ['empty', ''],
    ['padded base64', `${raw('{"before":1}')}==`],
    ['not JSON', raw('before=1')],
    ['another shape', raw('{"after":1}')],
    ['an extra field', raw('{"before":1,"x":2}')],
    ['a numeric string', raw('{"before":"1"}')],
    ['an array', raw('[1]')],
    ['too long', 'A'.repeat(513)],
  ])('refuses %s', (_what, text) => {
    expect(codec.decode(text)).toBeUndefined();
  });

  it('refuses a non-string', () => {
    expect(codec.decode(['a'])).toBeUndefined();
  });
});
