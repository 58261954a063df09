import { useTrackToggle } from '@livekit/components-react';
import { Track } from 'livekit-client';
import { useUiStore } from '../../../store/ui-store';
import { describeMediaError } from '../media-error';
import { useTranslate, type MessageKey } from '../../../i18n';

type ToggleSource = Track.Source.Camera | Track.Source.ScreenShare;

const LABELS: Record<ToggleSource, MessageKey> = {
  [Track.Source.Camera]: 'media.camera',
  [Track.Source.ScreenShare]: 'media.shareScreen',
};

/** On/off for the local camera or screen share; pressed means on. */
export function TrackToggleButton({ source }: { source: ToggleSource }) {
  const pushToast = useUiStore((store) => store.pushToast);
  const { t } = useTranslate();
  const { enabled, pending, toggle } = useTrackToggle({
    source,
    onDeviceError: (error) => pushToast(describeMediaError(t, source, error)),
  });
  return (
    <button
      type="button"
      className="button button-secondary"
      aria-pressed={enabled}
      disabled={pending}
      onClick={() => {
        toggle().catch((error: unknown) => pushToast(describeMediaError(t, source, error)));
      }}
    >
      {t(LABELS[source])}
    </button>
  );
}
