import { ConnectionState } from 'livekit-client';
import { useTranslate } from '../../../i18n';

type ConnectionBannerProps = {
  connectionState: ConnectionState;
  /** A failed start or an agent that never came. */
  error: string | null;
  /** A call that dropped without a hang-up. */
  dropped: string | null;
  isBusy: boolean;
  onRetry: () => void;
  onDismiss: () => void;
};

/** Reconnecting and failure states, each with what happened and what to do. */
export function ConnectionBanner({ connectionState, error, dropped, isBusy, onRetry, onDismiss }: ConnectionBannerProps) {
  const { t } = useTranslate();
  if (connectionState === ConnectionState.Reconnecting || connectionState === ConnectionState.SignalReconnecting) {
    return (
      <p className="notice notice-warning" role="status" data-testid="reconnecting">
        <span className="spinner" aria-hidden="true" />
        {t('banner.reconnecting')}
      </p>
    );
  }
  const message = error ?? (connectionState === ConnectionState.Disconnected ? dropped : null);
  if (!message) return null;
  return (
    <div className="alert">
      <p className="alert-text" role="alert">
        {message}
      </p>
      <button type="button" className="button button-primary" onClick={onRetry} disabled={isBusy}>
        {t('banner.retry')}
      </button>
      <button type="button" className="alert-dismiss" aria-label={t('banner.dismiss')} onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
