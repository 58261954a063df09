import { describe, expect, it } from 'vitest';
import { figureEntries, formatDateTime } from './format';

describe('figureEntries', () => {
  it('lists known figures in pipeline order, then unknown ones under their own key', () => {
    expect(
      figureEntries({ e2e_ms: 900, queue_wait_ms: 4, transcription_ms: 210, ttft_ms: 350 }).map(
        ({ label, ms }) => `${label}=${ms}`,
      ),
    ).toEqual(['STT=210', 'LLM first token=350', 'Agent e2e=900', 'queue wait=4']);
  });

  it('gives nothing for a turn without figures', () => {
    expect(figureEntries({})).toEqual([]);
  });
});

describe('formatDateTime', () => {
  it('keeps a value it cannot read as a date', () => {
    expect(formatDateTime('not a date')).toBe('not a date');
    expect(formatDateTime('2026-11-21T10:00:00Z')).toMatch(/2026/);
  });
});
