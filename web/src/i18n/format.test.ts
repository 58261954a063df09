import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDay, formatNumber, formatPercent, formatTime } from './format';

describe('numbers and dates in the page language', () => {
  it('writes numbers the way each language does', () => {
    expect([formatNumber('en', 1234.5, 1), formatNumber('de', 1234.5, 1)]).toEqual(['1,234.5', '1.234,5']);
    expect([formatPercent('en', 0.6667), formatPercent('de', 0.6667)]).toEqual(['67%', '67\u00a0%']);
    expect([formatNumber('de', null), formatPercent('en', undefined), formatNumber('en', Number.NaN)]).toEqual(['—', '—', '—']);
  });

  it('writes a UTC day as a date of that day, whatever the time zone', () => {
    expect(formatDay('de', '2026-01-03')).toBe('03.01.2026');
    expect(formatDay('en', '2026-01-03T23:30:00Z')).toBe('Jan 3, 2026');
  });

  it('keeps a value it cannot read as a date', () => {
    expect(formatDateTime('de', 'not a date')).toBe('not a date');
    expect(formatTime('en', 'later')).toBe('later');
    expect(formatDay('en', 'someday')).toBe('someday');
    expect(formatDateTime('de', '2026-11-21T10:00:00Z')).toMatch(/21\.11\.2026/);
  });
});
