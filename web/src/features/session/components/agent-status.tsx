import type { AgentState, TrackReference } from '@livekit/components-react';
import type { AgentStateLabel } from '../agent-state';
import { useTranslate } from '../../../i18n';
import { VoiceBars } from './voice-bars';

type AgentStatusProps = {
  label: AgentStateLabel;
  /** Raw `useAgent().state`, which drives the bars' idle states. */
  agentState: AgentState;
  audioTrack: TrackReference | undefined;
};

export function AgentStatus({ label, agentState, audioTrack }: AgentStatusProps) {
  const { t } = useTranslate();
  return (
    <section className="agent-status" aria-label={t('status.region')}>
      <VoiceBars
        state={agentState}
        track={audioTrack?.publication.track?.mediaStreamTrack}
        barCount={7}
        label={t('status.voiceLevel')}
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
