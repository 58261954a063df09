import { useCallback, useEffect, useRef, useState } from 'react';
import { DisconnectReason, RoomEvent, type Room } from 'livekit-client';
import { ApiError } from '../../../api/api-error';
import { api, type ApiClient } from '../../../api/client';
import type { ConversationRecord } from '../../../api/types';
import { getConversation } from '../../history/history-api';
import type { TranscriptEntry } from '../../transcript/transcript-entries';
import type { ConversationTokenSource } from '../conversation-token-source';
import { clearCall, loadCall } from '../stored-call';
import { useTranslate, type MessageKey } from '../../../i18n';


export type Rejoin = {
  /** The stored transcript of the call rejoined after a reload (live lines follow it). */
  earlier: TranscriptEntry[];
  /** Why the stored call was not rejoined, or null. */
  note: string | null;
  /** A new call starts: the earlier transcript and the note go. */
  reset: () => void;
};

export function storedTranscript(record: ConversationRecord): TranscriptEntry[] {
  return record.messages.map((message) => ({
    key: `stored:${message.id}`,
    role: message.role === 'user' ? 'user' : 'agent',
    text: message.text,
    final: true,
    kind: 'speech',
  }));
}

/**
 * After a reload, rejoin the call this tab had (sessionStorage): when its conversation is
 * still active, show its stored transcript and connect to its room again; when it has ended
 * (hung up, or the backend's rejoin grace passed), forget it and say so.
 */
export function useRejoin(
  tokenSource: ConversationTokenSource,
  connect: () => void,
  client: ApiClient = api,
): Rejoin {
  const [earlier, setEarlier] = useState<TranscriptEntry[]>([]);
  const [note, setNote] = useState<MessageKey | null>(null);
  const { t } = useTranslate();
  const connectRef = useRef(connect);
  useEffect(() => {
    connectRef.current = connect;
  });

  useEffect(() => {
    const stored = loadCall();
    if (stored === null) return;
    let cancelled = false;
    getConversation(stored.conversationId, client).then(
      (record) => {
        if (cancelled) return;
        if (record.status !== 'active') {
          clearCall();
          setNote('session.callEnded');
          return;
        }
        setEarlier(storedTranscript(record));
        tokenSource.rejoin(stored);
        connectRef.current();
      },
      (err: unknown) => {
        if (cancelled) return;
        const gone = err instanceof ApiError && err.status === 404;
        if (gone) clearCall();
        setNote(gone ? 'session.callEnded' : 'session.rejoinFailed');
      },
    );
    return () => {
      cancelled = true;
    };
  }, [tokenSource, client]);

  const reset = useCallback(() => {
    setEarlier([]);
    setNote(null);
  }, []);
  return { earlier, note: note && t(note), reset };
}

/** A call the server ended (hung up elsewhere, the agent's goodbye, the rejoin grace) is not
 * rejoined by a later reload. */
export function useForgetEndedCall(room: Room): void {
  useEffect(() => {
    const onDisconnected = (reason?: DisconnectReason) => {
      if (reason !== undefined && SERVER_ENDED.has(reason)) clearCall();
    };
    room.on(RoomEvent.Disconnected, onDisconnected);
    return () => {
      room.off(RoomEvent.Disconnected, onDisconnected);
    };
  }, [room]);
}

const SERVER_ENDED = new Set<DisconnectReason>([
  DisconnectReason.ROOM_DELETED,
  DisconnectReason.ROOM_CLOSED,
  DisconnectReason.PARTICIPANT_REMOVED,
]);
