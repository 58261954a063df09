import { useCallback, useEffect, useState } from 'react';
import { ConnectionState, RoomEvent, type DisconnectReason, type Room } from 'livekit-client';
import { useTranslate, type MessageKey } from '../../../i18n';
import { describeCallDrop } from '../call-drop';

export type CallDrop = {
  /** Why the last call dropped, or null (never dropped, hung up, or a new call started). */
  message: string | null;
  dismiss: () => void;
};

/** Notices a call that ends without the user hanging up, until the next call starts. */
export function useCallDrop(room: Room): CallDrop {
  const [message, setMessage] = useState<MessageKey | null>(null);
  const { t } = useTranslate();

  useEffect(() => {
    const onDisconnected = (reason?: DisconnectReason) => setMessage(describeCallDrop(reason));
    const onState = (state: ConnectionState) => {
      if (state === ConnectionState.Connecting) setMessage(null);
    };
    room.on(RoomEvent.Disconnected, onDisconnected);
    room.on(RoomEvent.ConnectionStateChanged, onState);
    return () => {
      room.off(RoomEvent.Disconnected, onDisconnected);
      room.off(RoomEvent.ConnectionStateChanged, onState);
    };
  }, [room]);

  const dismiss = useCallback(() => setMessage(null), []);
  return { message: message && t(message), dismiss };
}
