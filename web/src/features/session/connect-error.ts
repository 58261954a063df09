import { MediaDeviceFailure } from 'livekit-client';
import { ApiError } from '../../api/api-error';
import type { Translate } from '../../i18n';

function messageOf(t: Translate, error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return t('connect.unknownError');
}

/** Turn a `session.start()` rejection into one sentence a person can act on. */
export function describeConnectError(t: Translate, error: unknown): string {
  const mediaFailure =
    error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)
      ? MediaDeviceFailure.getFailure(error)
      : undefined;
  switch (mediaFailure) {
    case MediaDeviceFailure.PermissionDenied:
      return t('connect.micDenied');
    case MediaDeviceFailure.NotFound:
      return t('connect.micNotFound');
    case MediaDeviceFailure.DeviceInUse:
      return t('connect.micInUse');
    default:
      break;
  }

  if (error instanceof ApiError) {
    // 503: no agent can take the call now (the backend says which, and when to retry)
    if (error.status === 503) return `${error.detail.charAt(0).toUpperCase()}${error.detail.slice(1)}.`;
    return t('connect.refused', { status: String(error.status), detail: error.detail });
  }
  const message = messageOf(t, error);
  // livekit-client TokenSourceEndpoint: "Error generating token from endpoint URL: received 502 / body"
  const tokenFailure = /^Error generating token from endpoint (\S+): received (\d+)/.exec(message);
  if (tokenFailure) {
    return t('connect.noToken', { url: tokenFailure[1] ?? '', status: tokenFailure[2] ?? '' });
  }
  if (error instanceof TypeError && /fetch|network|load failed/i.test(message)) {
    return t('connect.unreachable');
  }
  return t('connect.failed', { message });
}
