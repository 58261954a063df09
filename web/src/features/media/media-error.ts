import { MediaDeviceFailure, Track } from 'livekit-client';

const WHAT: Partial<Record<Track.Source, string>> = {
  [Track.Source.Camera]: 'camera',
  [Track.Source.Microphone]: 'microphone',
  [Track.Source.ScreenShare]: 'screen share',
};

/** A failed camera, microphone or screen share, as one sentence. */
export function describeMediaError(source: Track.Source, error: unknown): string {
  const what = WHAT[source] ?? 'device';
  const failure = error instanceof Error ? MediaDeviceFailure.getFailure(error) : undefined;
  switch (failure) {
    case MediaDeviceFailure.PermissionDenied:
      return `Access to the ${what} was denied.`;
    case MediaDeviceFailure.NotFound:
      return `No ${what} was found.`;
    case MediaDeviceFailure.DeviceInUse:
      return `The ${what} is in use by another application.`;
    default:
      return `The ${what} could not be started${error instanceof Error ? `: ${error.message}` : '.'}`;
  }
}
