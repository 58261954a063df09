import { useTranslate } from '../../../i18n';
import { recordingUrl } from '../playback';

type RecordingPlayerProps = {
  conversationId: string;
  /** Seconds into the recording, as it plays or is sought. */
  onTime: (seconds: number) => void;
};

/** The call's recording (both sides, stereo), played from the backend with byte ranges so the
 * browser can seek, and a link to save it. */
export function RecordingPlayer({ conversationId, onTime }: RecordingPlayerProps) {
  const { t } = useTranslate();
  return (
    <div className="recording-player">
      <audio
        controls
        preload="metadata"
        src={recordingUrl(conversationId)}
        aria-label={t('conversation.recordingAudio')}
        data-testid="recording-audio"
        onTimeUpdate={(event) => onTime(event.currentTarget.currentTime)}
        onSeeked={(event) => onTime(event.currentTarget.currentTime)}
      />
      <a className="button button-secondary" href={recordingUrl(conversationId, { download: true })} download>
        {t('conversation.downloadRecording')}
      </a>
    </div>
  );
}
