import { VideoTrack, isTrackReference, useTracks } from '@livekit/components-react';
import { Track } from 'livekit-client';
import { useTranslate } from '../../../i18n';

const SOURCES = [Track.Source.Camera, Track.Source.ScreenShare];

/** Camera and screen-share video of everyone in the call (in practice: the user's own). */
export function VideoTiles() {
  const { t } = useTranslate();
  // A camera turned off stays published, muted: it gets no tile.
  const tracks = useTracks(SOURCES, { onlySubscribed: false })
    .filter(isTrackReference)
    .filter((track) => !track.publication.isMuted);
  if (tracks.length === 0) return null;
  return (
    <section className="video-tiles" aria-label={t('media.video')}>
      {tracks.map((track) => {
        const who = track.participant.isLocal ? t('media.you') : track.participant.name || t('media.assistant');
        const what = track.source === Track.Source.ScreenShare ? t('media.screen') : t('media.cameraLower');
        return (
          <figure key={`${track.participant.identity}-${track.source}`} className="video-tile" data-testid="video-tile">
            <VideoTrack trackRef={track} aria-label={`${who}: ${what}`} />
            <figcaption>{`${who} · ${what}`}</figcaption>
          </figure>
        );
      })}
    </section>
  );
}
