import type { PageLanguage } from './translate';

/** Numbers and dates as the page's language writes them ("1,5" in German, "1.5" in English). */

const DASH = '—';

/** A number with exactly `digits` decimals; an em dash when there is none. */
export function formatNumber(language: PageLanguage, value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return new Intl.NumberFormat(language, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(
    value,
  );
}

/** A share (0.67) as a percentage ("67%", "67 %"). */
export function formatPercent(language: PageLanguage, share: number | null | undefined, digits = 0): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return DASH;
  return new Intl.NumberFormat(language, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(share);
}

/** A date and time from an ISO string ("30 Nov 2026, 14:05"); the string itself when unreadable. */
export function formatDateTime(language: PageLanguage, iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A time of day from an ISO string. */
export function formatTime(language: PageLanguage, iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat(language, { timeStyle: 'medium' }).format(date);
}

/** A UTC day ('2026-11-30', or an ISO time of that day) as a short date ("Nov 30, 2026", "30.11.2026"). */
export function formatDay(language: PageLanguage, day: string): string {
  const date = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(date.getTime())
    ? day
    : new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}
