import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for personal data (SPEC §8), with node:crypto only.
 *
 * Two layers: each owner has a random 256-bit data key that seals its personal
 * fields; the data key is stored only wrapped (AES-256-GCM again) under the
 * master key from the configuration. Destroying the wrapped data key makes
 * everything sealed under it unrecoverable, while the events stay untouched.
 *
 * A sealed field is a string, so a stored event keeps its JSON shape:
 *
 *     pd1.<keyId>.<iv>.<ciphertext>.<tag>
 *
 * every part base64url (no padding): `keyId` is the owner id (UTF-8), `iv` 12
 * random bytes, `tag` the 16-byte GCM tag. The key id is also the additional
 * authenticated data, so a sealed value moved to another owner does not open.
 * A wrapped key is `iv ‖ tag ‖ ciphertext` (12 + 16 + 32 bytes) with the owner
 * id as additional data, so a wrapped key copied to another owner's row fails too.
 */

export const SEALED_PREFIX = 'pd1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value, split into its parts. */
export interface SealedValue {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** A value that does not open: wrong key, tampered with, or not sealed at all. The message never holds key or data. */
export class PersonalDataUnreadable extends Error {
  override readonly name = 'PersonalDataUnreadable';
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Parses `pd1.<keyId>.<iv>.<ct>.<tag>`; undefined for anything else (a legacy plain-text value). */
export function parseSealed(value: unknown): SealedValue | undefined {
  if (typeof value !== 'string' || !value.startsWith(`${SEALED_PREFIX}.`)) return undefined;
  const parts = value.split('.');
  if (parts.length !== 5 || parts.some((p) => !B64URL.test(p))) return undefined;
  const [, keyId, iv, ciphertext, tag] = parts;
  const sealed = {
    keyId: Buffer.from(keyId, 'base64url').toString('utf8'),
    iv: Buffer.from(iv, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
  };
  if (sealed.keyId.length === 0 || sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) {
    return undefined;
  }
  return sealed;
}

export function isSealed(value: unknown): boolean {
  return parseSealed(value) !== undefined;
}

/** Encrypts `plaintext` under `dataKey`, bound to `keyId`. A fresh IV every time. */
export function seal(dataKey: Buffer, keyId: string, plaintext: string): string {
  assertKey(dataKey, 'data key');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, dataKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(keyId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [SEALED_PREFIX, Buffer.from(keyId, 'utf8'), iv, ciphertext, tag]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Decrypts a sealed value; PersonalDataUnreadable when the key is wrong or anything was altered. */
export function open(dataKey: Buffer, value: string): string {
  assertKey(dataKey, 'data key');
  const sealed = parseSealed(value);
  if (!sealed) throw new PersonalDataUnreadable('the value is not sealed personal data');
  try {
    const decipher = createDecipheriv(ALGORITHM, dataKey, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(sealed.keyId, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new PersonalDataUnreadable(`sealed personal data of key ${sealed.keyId} does not open`);
  }
}

/** A new random data key. */
export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** The data key encrypted under the master key, bound to its owner: `iv ‖ tag ‖ ciphertext`. */
export function wrapKey(masterKey: Buffer, ownerId: string, dataKey: Buffer): Buffer {
  assertKey(masterKey, 'master key');
  assertKey(dataKey, 'data key');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, masterKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(ownerId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/** The data key back; PersonalDataUnreadable for another master key, another owner or a damaged row. */
export function unwrapKey(masterKey: Buffer, ownerId: string, wrapped: Buffer): Buffer {
  assertKey(masterKey, 'master key');
  if (wrapped.length !== IV_BYTES + TAG_BYTES + KEY_BYTES) {
    throw new PersonalDataUnreadable(`the wrapped data key of ${ownerId} has the wrong length`);
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, masterKey, wrapped.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(ownerId, 'utf8'));
    decipher.setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PersonalDataUnreadable(`the data key of ${ownerId} does not unwrap under this master key`);
  }
}

function assertKey(key: Buffer, what: string): void {
  if (key.length !== KEY_BYTES) throw new Error(`the ${what} must be ${KEY_BYTES} bytes`);
}
