import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { VoiceBars } from './voice-bars';

describe('VoiceBars', () => {
  it('draws the bars in the bar visualizer markup, at their floor without a track', () => {
    render(<VoiceBars state="speaking" track={undefined} barCount={7} label="Voice level" />);
    const bars = screen.getByRole('img', { name: 'Voice level' });
    expect(bars).toHaveAttribute('data-lk-va-state', 'speaking');
    const spans = bars.querySelectorAll('.lk-audio-bar');
    expect(spans).toHaveLength(7);
    expect((spans[0] as HTMLElement).style.height).toBe('12%');
  });

  it('lights the middle bar while the agent listens or thinks, none while it is idle', () => {
    const { rerender } = render(<VoiceBars state="thinking" track={undefined} barCount={7} label="v" />);
    const highlighted = () => Array.from(document.querySelectorAll('.lk-highlighted'));
    expect(highlighted().map((el) => el.getAttribute('data-lk-bar-index'))).toEqual(['3']);
    rerender(<VoiceBars state="listening" track={undefined} barCount={7} label="v" />);
    expect(highlighted()).toHaveLength(1);
    rerender(<VoiceBars state="idle" track={undefined} barCount={7} label="v" />);
    expect(highlighted()).toHaveLength(0);
  });
});
