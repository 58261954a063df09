import { DisconnectReason } from 'livekit-client';

/** Why a call ended without the user hanging up, as one sentence; `null` for a hang-up. */
export function describeCallDrop(reason: DisconnectReason | undefined): string | null {
  switch (reason) {
    case DisconnectReason.CLIENT_INITIATED:
      return null;
    case DisconnectReason.DUPLICATE_IDENTITY:
      return 'The call was opened somewhere else, so it ended here.';
    case DisconnectReason.SERVER_SHUTDOWN:
      return 'The media server shut down.';
    case DisconnectReason.PARTICIPANT_REMOVED:
    case DisconnectReason.ROOM_DELETED:
    case DisconnectReason.ROOM_CLOSED:
      return 'The call was ended by the server.';
    case DisconnectReason.JOIN_FAILURE:
    case DisconnectReason.CONNECTION_TIMEOUT:
    case DisconnectReason.SIGNAL_CLOSE:
    case DisconnectReason.STATE_MISMATCH:
    case DisconnectReason.MEDIA_FAILURE:
      return 'The connection to the media server was lost.';
    case DisconnectReason.AGENT_ERROR:
      return 'The assistant stopped because of an error.';
    default:
      return 'The call was disconnected.';
  }
}
