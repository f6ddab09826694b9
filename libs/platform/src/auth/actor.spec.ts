import { describe, expect, it } from '@jest/globals';
import { canActOnOwner, hasRole, isRole, isStaff, type Actor } from './actor.js';

const actor = (sub: string, ...roles: Actor['roles'][number][]): Actor => ({ sub, roles });

describe('actor', () => {
  it('knows the three roles and nothing else', () => {
    expect(['customer', 'teller', 'admin'].every(isRole)).toBe(true);
    expect(['Admin', 'root', '', 1, undefined].some(isRole)).toBe(false);
  });

  it('counts tellers and admins as staff, customers not', () => {
    expect(isStaff(actor('t', 'teller'))).toBe(true);
    expect(isStaff(actor('a', 'admin'))).toBe(true);
    expect(isStaff(actor('c', 'customer'))).toBe(false);
    expect(isStaff(actor('n'))).toBe(false);
    expect(hasRole(actor('c', 'customer'), 'teller', 'customer')).toBe(true);
  });

  it('lets a customer act only on what its own sub owns', () => {
    expect(canActOnOwner(actor('c-1', 'customer'), 'c-1')).toBe(true);
    expect(canActOnOwner(actor('c-1', 'customer'), 'c-2')).toBe(false);
  });

  it('lets staff act on any owner, and an actor without roles on none', () => {
    expect(canActOnOwner(actor('t', 'teller'), 'c-2')).toBe(true);
    expect(canActOnOwner(actor('a', 'admin'), 'c-2')).toBe(true);
    expect(canActOnOwner(actor('c-1'), 'c-1')).toBe(false);
  });
});
