import type { AgentState } from '@livekit/components-react';
import { useVoiceLevels } from '../hooks/use-voice-levels';

type VoiceBarsProps = {
  /** Raw `useAgent().state`: speaking lights every bar, listening and thinking the middle one. */
  state: AgentState;
  track: MediaStreamTrack | undefined;
  barCount: number;
  label: string;
  minHeight?: number;
  maxHeight?: number;
};

/**
 * The agent's voice as bars, in LiveKit's bar visualizer markup and styles, drawn from
 * `useVoiceLevels` (a render only when a bar moves, at most every 100 ms) and CSS for the
 * idle states: no animation frame loop competing with the call for the CPU.
 */
export function VoiceBars({ state, track, barCount, label, minHeight = 12, maxHeight = 100 }: VoiceBarsProps) {
  const levels = useVoiceLevels(track, barCount);
  const middle = Math.floor(barCount / 2);
  const idleHighlight = state === 'listening' || state === 'thinking';
  return (
    <div className="lk-audio-bar-visualizer agent-visualizer" data-lk-va-state={state} role="img" aria-label={label}>
      {levels.map((level, index) => (
        <span
          key={index}
          className={`lk-audio-bar${idleHighlight && index === middle ? ' lk-highlighted' : ''}`}
          data-lk-bar-index={index}
          style={{ height: `${Math.min(maxHeight, Math.max(minHeight, level * 100 + 5))}%` }}
        />
      ))}
    </div>
  );
}
