import { ConnectionState } from 'livekit-client';

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
  if (connectionState === ConnectionState.Reconnecting || connectionState === ConnectionState.SignalReconnecting) {
    return (
      <p className="notice notice-warning" role="status" data-testid="reconnecting">
        <span className="spinner" aria-hidden="true" />
        Connection lost. Reconnecting…
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
        Retry
      </button>
      <button type="button" className="alert-dismiss" aria-label="Dismiss error" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
