import { OffsetTracker } from './offset-tracker';

describe('OffsetTracker', () => {
  it('commits the offset after the last finished message, in order', () => {
    const tracker = new OffsetTracker();
    tracker.start('10');
    expect(tracker.committable()).toBeNull();
    tracker.finish('10');
    expect(tracker.committable()).toBe('11');
  });

  it('never commits past an unfinished message, whatever finished after it', () => {
    const tracker = new OffsetTracker();
    ['5', '6', '7', '8'].forEach((o) => tracker.start(o));
    tracker.finish('6');
    tracker.finish('8');
    expect(tracker.committable()).toBeNull();
    tracker.finish('5');
    expect(tracker.committable()).toBe('7');
    expect(tracker.inFlight).toBe(1);
    tracker.finish('7');
    expect(tracker.committable()).toBe('9');
    expect(tracker.inFlight).toBe(0);
  });

  it('offers an offset once: after markCommitted nothing new is committable', () => {
    const tracker = new OffsetTracker();
    tracker.start(1n);
    tracker.finish(1n);
    tracker.markCommitted('2');
    expect(tracker.committable()).toBeNull();
    tracker.start(2n);
    tracker.finish(2n);
    expect(tracker.committable()).toBe('3');
  });

  it('handles offsets beyond 2^53', () => {
    const tracker = new OffsetTracker();
    tracker.start('9007199254740993');
    tracker.finish('9007199254740993');
    expect(tracker.committable()).toBe('9007199254740994');
  });

  it('rejects offsets started out of order and finishes of unknown offsets', () => {
    const tracker = new OffsetTracker();
    tracker.start('3');
    expect(() => tracker.start('3')).toThrow(/must increase/);
    expect(() => tracker.finish('4')).toThrow(/never started/);
  });

  it('after abandoning unfinished work keeps what was finished before it', () => {
    const tracker = new OffsetTracker();
    tracker.start('1');
    tracker.start('2');
    tracker.finish('1');
    tracker.abandonUnfinished();
    expect(tracker.committable()).toBe('2');
    expect(tracker.inFlight).toBe(0);
  });

  it('remembers what finished past abandoned work, once each, and commits over it when the gap is filled', () => {
    const tracker = new OffsetTracker();
    ['5', '6', '7', '8'].forEach((o) => tracker.start(o));
    tracker.finish('5');
    tracker.finish('7');
    tracker.abandonUnfinished(); // 6 and 8 were unfinished: fetched again from 6
    expect(tracker.committable()).toBe('6');
    tracker.start('6');
    expect(tracker.finishedBefore('6')).toBe(false);
    tracker.start('7');
    expect(tracker.finishedBefore('7')).toBe(true);
    expect(tracker.finishedBefore('7')).toBe(false);
    tracker.finish('7');
    expect(tracker.committable()).toBe('6');
    tracker.finish('6');
    expect(tracker.committable()).toBe('8');
  });

  it('forgets a remembered offset that does not come back (compacted away) once a later one is asked about', () => {
    const tracker = new OffsetTracker();
    ['5', '6', '7', '8'].forEach((o) => tracker.start(o));
    tracker.finish('6');
    tracker.finish('7');
    tracker.abandonUnfinished(); // 6 and 7 remembered
    expect(tracker.finishedBefore('7')).toBe(true); // 5 and 6 compacted away: 6 is forgotten
    expect(tracker.finishedBefore('6')).toBe(false);
  });
});
