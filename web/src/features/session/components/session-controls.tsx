import { useTrackToggle } from '@livekit/components-react';
import { Track } from 'livekit-client';
import { useTranslate } from '../../../i18n';

type SessionControlsProps = {
  isConnected: boolean;
  isBusy: boolean;
  showMicToggle: boolean;
  onConnect: () => void;
  onDisconnect: () => void;
};

export function SessionControls({
  isConnected,
  isBusy,
  showMicToggle,
  onConnect,
  onDisconnect,
}: SessionControlsProps) {
  const { t } = useTranslate();
  return (
    <div className="session-controls">
      {isConnected ? (
        <>
          {showMicToggle && <MicToggle />}
          <button type="button" className="button button-danger" onClick={onDisconnect}>
            {t('controls.disconnect')}
          </button>
        </>
      ) : (
        <button
          type="button"
          className="button button-primary"
          onClick={onConnect}
          disabled={isBusy}
          aria-busy={isBusy}
        >
          {isBusy && <span className="spinner" aria-hidden="true" />}
          {t('controls.connect')}
        </button>
      )}
    </div>
  );
}

/** Mute toggle for the local microphone; pressed means muted. */
export function MicToggle() {
  const { enabled, pending, toggle } = useTrackToggle({ source: Track.Source.Microphone });
  const { t } = useTranslate();
  return (
    <button
      type="button"
      className="button button-secondary mic-toggle"
      aria-pressed={!enabled}
      disabled={pending}
      onClick={() => {
        void toggle();
      }}
    >
      <span className="mic-indicator" data-muted={!enabled} aria-hidden="true" />
      {t('controls.mute')}
    </button>
  );
}
