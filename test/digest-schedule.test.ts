import { describe, expect, it } from 'vitest';
import { nextDigestTime, scheduleDigest } from '../src/server/digest-schedule.js';
import type { Timers } from '../src/server/scheduled-sends.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('digest schedule', () => {
  it('finds the next configured weekday and hour in the configured timezone', () => {
    const sunday = Date.parse('2026-11-22T12:00:00Z');
    expect(iso(nextDigestTime(sunday, { day: 'monday', hour: 9 }, 'UTC'))).toBe('2026-11-23T09:00:00.000Z');
    expect(iso(nextDigestTime(sunday, { day: 'sunday', hour: 13 }, 'UTC'))).toBe('2026-11-22T13:00:00.000Z');
    expect(iso(nextDigestTime(sunday, { day: 'sunday', hour: 12 }, 'UTC'))).toBe('2026-11-29T12:00:00.000Z');
    // 9:00 in New York on Monday 2026-11-23 is 14:00 UTC (EST).
    expect(iso(nextDigestTime(sunday, { day: 'monday', hour: 9 }, 'America/New_York'))).toBe('2026-11-23T14:00:00.000Z');
    // Across the spring-forward Sunday (2026-03-08 in New York), Monday 9:00 is EDT: 13:00 UTC.
    expect(iso(nextDigestTime(Date.parse('2026-03-07T12:00:00Z'), { day: 'monday', hour: 9 }, 'America/New_York'))).toBe('2026-03-09T13:00:00.000Z');
    // Fall-back day (2026-11-01): 9:00 is EST, 14:00 UTC.
    expect(iso(nextDigestTime(Date.parse('2026-10-31T12:00:00Z'), { day: 'sunday', hour: 9 }, 'America/New_York'))).toBe('2026-11-01T14:00:00.000Z');
    // On the spring-forward day itself, 2:00 does not exist: it fires at 3:00 EDT (07:00 UTC).
    expect(iso(nextDigestTime(Date.parse('2026-03-07T12:00:00Z'), { day: 'sunday', hour: 2 }, 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
  });

  it('sends once a week and keeps going after a failure', async () => {
    let clock = Date.parse('2026-11-22T12:00:00Z');
    const pending: { at: number; fn: () => void }[] = [];
    const timers: Timers = {
      now: () => clock,
      setTimeout: (fn, ms) => { const t = { at: clock + ms, fn }; pending.push(t); return t; },
      clearTimeout: (h) => { const i = pending.indexOf(h as never); if (i >= 0) pending.splice(i, 1); },
    };
    const sent: string[] = [];
    const log: string[] = [];
    let fail = true;
    const scheduler = scheduleDigest({ day: 'monday', hour: 9, format: 'md' }, 'UTC', {
      async send(now) {
        if (fail) { fail = false; throw new Error('webhook: https://hooks.example answered 500'); }
        sent.push(iso(now));
        return `sent at ${iso(now)}`;
      },
    }, (line) => log.push(line), timers);
    const runNext = async () => {
      const t = pending.shift()!;
      clock = t.at;
      t.fn();
      await new Promise((r) => setTimeout(r, 0));
    };
    expect(iso(scheduler.next())).toBe('2026-11-23T09:00:00.000Z');
    await runNext();
    await runNext();
    await runNext();
    scheduler.stop();
    expect(log[0]).toBe('the weekly digest failed: webhook: https://hooks.example answered 500');
    expect(sent).toEqual(['2026-11-30T09:00:00.000Z', '2026-12-07T09:00:00.000Z']);
    expect(pending).toHaveLength(0);
  });
});
