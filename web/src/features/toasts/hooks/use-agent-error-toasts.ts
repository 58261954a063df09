import { useEffect } from 'react';
import { RoomEvent, type RemoteParticipant, type Room } from 'livekit-client';
import { useTranslate } from '../../../i18n';
import { useUiStore } from '../../../store/ui-store';
import { METRICS_TOPIC } from '../../metrics/turn-metrics';
import { describeAgentError, parseAgentError } from '../agent-error';

/**
 * The one place agent failures become toasts: `agent_error` packets on `va.metrics`, from
 * the agent, or from the server itself (no participant: the agent worker, through the
 * server API, when it could not bring a crashed agent back).
 */
export function useAgentErrorToasts(room: Room): void {
  const pushToast = useUiStore((store) => store.pushToast);
  const { t } = useTranslate();
  useEffect(() => {
    const onData = (payload: Uint8Array, participant?: RemoteParticipant, _kind?: unknown, topic?: string) => {
      if (topic !== METRICS_TOPIC || (participant !== undefined && !participant.isAgent)) return;
      const error = parseAgentError(payload);
      if (error) pushToast(describeAgentError(t, error));
    };
    room.on(RoomEvent.DataReceived, onData);
    return () => {
      room.off(RoomEvent.DataReceived, onData);
    };
  }, [room, pushToast, t]);
}
