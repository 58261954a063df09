import { describe, expect, it } from 'vitest';
import { translate } from '../../i18n';
import { figureEntries } from './format';

describe('figureEntries', () => {
  it('lists known figures in pipeline order, then unknown ones under their own key', () => {
    expect(
      figureEntries(translate('en'), { e2e_ms: 900, queue_wait_ms: 4, transcription_ms: 210, ttft_ms: 350 }).map(
        ({ label, ms }) => `${label}=${ms}`,
      ),
    ).toEqual(['STT=210', 'LLM first token=350', 'Agent e2e=900', 'queue wait=4']);
  });

  it('names the known figures in the page language', () => {
    expect(figureEntries(translate('de'), { ttft_ms: 350 }).map(({ label }) => label)).toEqual(['Erstes LLM-Token']);
  });

  it('gives nothing for a turn without figures', () => {
    expect(figureEntries(translate('en'), {})).toEqual([]);
  });
});
