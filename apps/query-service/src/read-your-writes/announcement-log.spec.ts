import { describe, expect, it } from '@jest/globals';
import { AnnouncementLog } from './projection-notifications.js';

describe('AnnouncementLog', () => {
  it('says an account was announced after a mark only when a later notification named it', () => {
    const log = new AnnouncementLog();
    log.record(['a']);
    const mark = log.mark;
    expect(log.since('a', mark)).toBe(false);
    log.record(['b', 'c']);
    expect(log.since('a', mark)).toBe(false);
    expect(log.since('b', mark)).toBe(true);
    expect(log.since('c', mark)).toBe(true);
    expect(log.since('b', log.mark)).toBe(false);
  });

  it("counts 'any' as an announcement of every account", () => {
    const log = new AnnouncementLog();
    const mark = log.mark;
    log.record('any');
    expect(log.since('never-named', mark)).toBe(true);
    expect(log.since('never-named', log.mark)).toBe(false);
  });

  it('past its limit forgets the names and answers yes for every account announced after an older mark', () => {
    const log = new AnnouncementLog(3);
    const mark = log.mark;
    log.record(['a', 'b']);
    log.record(['c', 'd']);
    expect(log.since('z', mark)).toBe(true);
    const later = log.mark;
    expect(log.since('a', later)).toBe(false);
    log.record(['a']);
    expect(log.since('a', later)).toBe(true);
    expect(log.since('b', later)).toBe(false);
  });
});
