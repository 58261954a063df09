import { MediaDeviceFailure } from 'livekit-client';
import { ApiError } from '../../api/api-error';

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return 'Unknown error';
}

/** Turn a `session.start()` rejection into one sentence a person can act on. */
export function describeConnectError(error: unknown): string {
  const mediaFailure =
    error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)
      ? MediaDeviceFailure.getFailure(error)
      : undefined;
  switch (mediaFailure) {
    case MediaDeviceFailure.PermissionDenied:
      return 'Microphone access was denied. Allow it in the browser to talk; you can still type.';
    case MediaDeviceFailure.NotFound:
      return 'No microphone was found. You can still type messages.';
    case MediaDeviceFailure.DeviceInUse:
      return 'The microphone is in use by another application.';
    default:
      break;
  }

  if (error instanceof ApiError) {
    // 503: no agent can take the call now (the backend says which, and when to retry)
    if (error.status === 503) return `${error.detail.charAt(0).toUpperCase()}${error.detail.slice(1)}.`;
    return `Could not start a conversation (HTTP ${error.status}): ${error.detail}.`;
  }
  const message = messageOf(error);
  // livekit-client TokenSourceEndpoint: "Error generating token from endpoint URL: received 502 / body"
  const tokenFailure = /^Error generating token from endpoint (\S+): received (\d+)/.exec(message);
  if (tokenFailure) {
    return `Could not get a session token from ${tokenFailure[1]} (HTTP ${tokenFailure[2]}).`;
  }
  if (error instanceof TypeError && /fetch|network|load failed/i.test(message)) {
    return 'Could not reach the server. Check that the backend is running.';
  }
  return `Connection failed: ${message}`;
}
