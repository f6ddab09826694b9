import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  isSealed,
  newDataKey,
  open,
  parseSealed,
  PersonalDataUnreadable,
  seal,
  unwrapKey,
  wrapKey,
} from './personal-data-cipher.js';

/** Flips one bit of one base64url part of a sealed value. */
function flip(value: string, part: number): string {
  const parts = value.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  bytes[0] ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('personal-data cipher (AES-256-GCM)', () => {
  const key = newDataKey();
  const owner = 'cust-42';

  it('opens what it sealed, for any text', () => {
    for (const name of ['Ada Lovelace', 'Zoë Ñúñez-Ørsted 李小龙 🙂', 'x'.repeat(200), '']) {
      expect(open(key, seal(key, owner, name))).toBe(name);
    }
  });

  it('never stores the plain text, and seals the same text differently each time (fresh IV)', () => {
    const a = seal(key, owner, 'Ada Lovelace');
    const b = seal(key, owner, 'Ada Lovelace');
    expect(a).not.toBe(b);
    expect(a).not.toContain('Ada');
    expect(Buffer.from(a.split('.')[3], 'base64url').toString('latin1')).not.toContain('Ada');
  });

  it('writes pd1.<keyId>.<iv>.<ciphertext>.<tag> and parses it back', () => {
    const sealed = seal(key, 'owner.with.dots/and:colons', 'Ada');
    expect(sealed).toMatch(/^pd1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/);
    expect(parseSealed(sealed)).toMatchObject({ keyId: 'owner.with.dots/and:colons' });
    expect(isSealed(sealed)).toBe(true);
    for (const plain of ['Ada Lovelace', 'pd1.', 'pd1.a.b.c', `pd1.${'x'.repeat(40)}`, 42, null]) {
      expect(isSealed(plain)).toBe(false);
    }
  });

  it('detects tampering with the ciphertext, the tag or the IV (GCM authentication)', () => {
    const sealed = seal(key, owner, 'Ada Lovelace');
    for (const part of [2, 3, 4]) {
      expect(() => open(key, flip(sealed, part))).toThrow(PersonalDataUnreadable);
    }
  });

  it('refuses a sealed value moved to another key id (the key id is authenticated)', () => {
    const parts = seal(key, owner, 'Ada Lovelace').split('.');
    parts[1] = Buffer.from('cust-43').toString('base64url');
    expect(() => open(key, parts.join('.'))).toThrow(PersonalDataUnreadable);
  });

  it('fails with the wrong data key, without echoing key or data', () => {
    const sealed = seal(key, owner, 'Ada Lovelace');
    let error: unknown;
    try {
      open(newDataKey(), sealed);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PersonalDataUnreadable);
    const message = (error as Error).message;
    expect(message).not.toContain('Ada');
    expect(message).not.toContain(key.toString('base64'));
  });

  it('refuses a value that is not sealed', () => {
    expect(() => open(key, 'Ada Lovelace')).toThrow(PersonalDataUnreadable);
  });

  describe('key wrapping', () => {
    const master = randomBytes(32);

    it('unwraps what it wrapped', () => {
      const wrapped = wrapKey(master, owner, key);
      expect(wrapped).toHaveLength(12 + 16 + 32);
      expect(unwrapKey(master, owner, wrapped).equals(key)).toBe(true);
      expect(wrapped.includes(key)).toBe(false);
    });

    it('fails under another master key, for another owner, or when damaged', () => {
      const wrapped = wrapKey(master, owner, key);
      expect(() => unwrapKey(randomBytes(32), owner, wrapped)).toThrow(PersonalDataUnreadable);
      expect(() => unwrapKey(master, 'cust-43', wrapped)).toThrow(PersonalDataUnreadable);
      const damaged = Buffer.from(wrapped);
      damaged[damaged.length - 1] ^= 0x80;
      expect(() => unwrapKey(master, owner, damaged)).toThrow(PersonalDataUnreadable);
      expect(() => unwrapKey(master, owner, wrapped.subarray(1))).toThrow(PersonalDataUnreadable);
    });

    it('refuses keys of the wrong size', () => {
      expect(() => wrapKey(randomBytes(16), owner, key)).toThrow('32 bytes');
      expect(() => seal(randomBytes(31), owner, 'Ada')).toThrow('32 bytes');
    });
  });
});
