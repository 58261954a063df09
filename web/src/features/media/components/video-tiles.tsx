import { VideoTrack, isTrackReference, useTracks } from '@livekit/components-react';
import { Track } from 'livekit-client';

const SOURCES = [Track.Source.Camera, Track.Source.ScreenShare];

/** Camera and screen-share video of everyone in the call (in practice: the user's own). */
export function VideoTiles() {
  // A camera turned off stays published, muted: it gets no tile.
  const tracks = useTracks(SOURCES, { onlySubscribed: false })
    .filter(isTrackReference)
    .filter((track) => !track.publication.isMuted);
  if (tracks.length === 0) return null;
  return (
    <section className="video-tiles" aria-label="Video">
      {tracks.map((track) => {
        const who = track.participant.isLocal ? 'You' : track.participant.name || 'Assistant';
        const what = track.source === Track.Source.ScreenShare ? 'screen' : 'camera';
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
