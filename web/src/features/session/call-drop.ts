import { DisconnectReason } from 'livekit-client';
import type { MessageKey } from '../../i18n';

/** Why a call ended without the user hanging up, as the key of one sentence; `null` for a hang-up. */
export function describeCallDrop(reason: DisconnectReason | undefined): MessageKey | null {
  switch (reason) {
    case DisconnectReason.CLIENT_INITIATED:
      return null;
    case DisconnectReason.DUPLICATE_IDENTITY:
      return 'drop.elsewhere';
    case DisconnectReason.SERVER_SHUTDOWN:
      return 'drop.serverShutdown';
    case DisconnectReason.PARTICIPANT_REMOVED:
    case DisconnectReason.ROOM_DELETED:
    case DisconnectReason.ROOM_CLOSED:
      return 'drop.endedByServer';
    case DisconnectReason.JOIN_FAILURE:
    case DisconnectReason.CONNECTION_TIMEOUT:
    case DisconnectReason.SIGNAL_CLOSE:
    case DisconnectReason.STATE_MISMATCH:
    case DisconnectReason.MEDIA_FAILURE:
      return 'drop.connectionLost';
    case DisconnectReason.AGENT_ERROR:
      return 'drop.agentError';
    default:
      return 'drop.disconnected';
  }
}
