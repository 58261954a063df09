import { useTranslate } from '../../../i18n';
/** The agent's participant attribute that says it records the call (agent call_recording.py). */
export const RECORDING_ATTRIBUTE = 'recording';

/** A red "Recording" badge while the agent records the call. */
export function RecordingIndicator({ attributes }: { attributes: Readonly<Record<string, string>> | undefined }) {
  const { t } = useTranslate();
  if (attributes?.[RECORDING_ATTRIBUTE] !== 'on') return null;
  return (
    <p className="recording-indicator" role="status" data-testid="recording-indicator">
      <span className="recording-dot" aria-hidden="true" />
      {t('call.recording')}
    </p>
  );
}
