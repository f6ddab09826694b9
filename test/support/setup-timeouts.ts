// Integration tests talk to real servers on a shared, sometimes busy machine:
// a generous default deadline; tests that inject faults set their own.
import { jest } from '@jest/globals';

jest.setTimeout(30_000);
