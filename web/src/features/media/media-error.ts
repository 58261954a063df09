import { MediaDeviceFailure, Track } from 'livekit-client';
import type { MessageKey, Translate } from '../../i18n';

const WHAT: Partial<Record<Track.Source, MessageKey>> = {
  [Track.Source.Camera]: 'media.theCamera',
  [Track.Source.Microphone]: 'media.theMicrophone',
  [Track.Source.ScreenShare]: 'media.theScreenShare',
};

/** A failed camera, microphone or screen share, as one sentence. */
export function describeMediaError(t: Translate, source: Track.Source, error: unknown): string {
  const what = t(WHAT[source] ?? 'media.theDevice');
  const failure = error instanceof Error ? MediaDeviceFailure.getFailure(error) : undefined;
  switch (failure) {
    case MediaDeviceFailure.PermissionDenied:
      return t('media.denied', { what });
    case MediaDeviceFailure.NotFound:
      return t('media.notFound', { what });
    case MediaDeviceFailure.DeviceInUse:
      return t('media.inUse', { what });
    default:
      return error instanceof Error
        ? t('media.notStartedBecause', { what, error: error.message })
        : t('media.notStarted', { what });
  }
}
