import { useConnectionQualityIndicator } from '@livekit/components-react';
import { ConnectionQuality, type Participant } from 'livekit-client';

const LABELS: Record<ConnectionQuality, string> = {
  [ConnectionQuality.Excellent]: 'excellent',
  [ConnectionQuality.Good]: 'good',
  [ConnectionQuality.Poor]: 'poor',
  [ConnectionQuality.Lost]: 'lost',
  [ConnectionQuality.Unknown]: 'measuring',
};

/** The server's view of this browser's connection, as bars and a word. */
export function ConnectionQualityBadge({ participant }: { participant: Participant }) {
  const { quality } = useConnectionQualityIndicator({ participant });
  const label = LABELS[quality] ?? 'measuring';
  return (
    <p className="connection-quality" data-quality={quality} data-testid="connection-quality">
      <span className="quality-bars" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      Connection: {label}
    </p>
  );
}
