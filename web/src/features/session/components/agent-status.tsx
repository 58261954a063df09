import { BarVisualizer, type AgentState, type TrackReference } from '@livekit/components-react';
import type { AgentStateLabel } from '../agent-state';
import { useTranslate } from '../../../i18n';

type AgentStatusProps = {
  label: AgentStateLabel;
  /** Raw `useAgent().state`, which drives the visualizer's idle animations. */
  agentState: AgentState;
  audioTrack: TrackReference | undefined;
};

export function AgentStatus({ label, agentState, audioTrack }: AgentStatusProps) {
  const { t } = useTranslate();
  return (
    <section className="agent-status" aria-label={t('status.region')}>
      <BarVisualizer
        className="agent-visualizer"
        role="img"
        aria-label={t('status.voiceLevel')}
        state={agentState}
        track={audioTrack}
        barCount={7}
        options={{ minHeight: 12, maxHeight: 100 }}
      />
      <p className="state-pill" data-state={label}>
        <span className="state-dot" aria-hidden="true" />
        <span className="visually-hidden">{t('status.assistantIs')}</span>
        <span data-testid="agent-state" data-state={label} role="status" aria-live="polite">
          {t(`state.${label}`)}
        </span>
      </p>
    </section>
  );
}
