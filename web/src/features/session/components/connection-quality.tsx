import { useConnectionQualityIndicator } from '@livekit/components-react';
import { ConnectionQuality, type Participant } from 'livekit-client';
import { useTranslate, type MessageKey } from '../../../i18n';

const LABELS: Record<ConnectionQuality, MessageKey> = {
  [ConnectionQuality.Excellent]: 'quality.excellent',
  [ConnectionQuality.Good]: 'quality.good',
  [ConnectionQuality.Poor]: 'quality.poor',
  [ConnectionQuality.Lost]: 'quality.lost',
  [ConnectionQuality.Unknown]: 'quality.measuring',
};

/** The server's view of this browser's connection, as bars and a word. */
export function ConnectionQualityBadge({ participant }: { participant: Participant }) {
  const { quality } = useConnectionQualityIndicator({ participant });
  const { t } = useTranslate();
  const label = t(LABELS[quality] ?? 'quality.measuring');
  return (
    <p className="connection-quality" data-quality={quality} data-testid="connection-quality">
      <span className="quality-bars" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      {t('quality.connection', { quality: label })}
    </p>
  );
}
