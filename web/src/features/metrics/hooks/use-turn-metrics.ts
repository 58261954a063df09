import { useEffect, useState } from 'react';
import { ConnectionState, RoomEvent, type RemoteParticipant, type Room } from 'livekit-client';
import type { ReceivedTurn } from '../latency-rows';
import { METRICS_TOPIC, parseTurnMetrics } from '../turn-metrics';

/**
 * Agent `turn_metrics` packets of the current call (or of the call that just ended), in
 * turn order. Cleared when the room starts connecting again. Malformed packets are ignored.
 */
export function useTurnMetrics(room: Room): ReceivedTurn[] {
  const [turns, setTurns] = useState<ReceivedTurn[]>([]);

  useEffect(() => {
    const onData = (
      payload: Uint8Array,
      participant?: RemoteParticipant,
      _kind?: unknown,
      topic?: string,
    ) => {
      if (topic !== METRICS_TOPIC || !participant?.isAgent) return;
      const parsed = parseTurnMetrics(payload);
      if (!parsed) return;
      const received: ReceivedTurn = { ...parsed, receivedAt: performance.now() };
      setTurns((previous) =>
        [...previous.filter((turn) => turn.turn !== received.turn), received].sort(
          (a, b) => a.turn - b.turn,
        ),
      );
    };
    const onState = (state: ConnectionState) => {
      if (state === ConnectionState.Connecting) setTurns([]);
    };
    room.on(RoomEvent.DataReceived, onData);
    room.on(RoomEvent.ConnectionStateChanged, onState);
    return () => {
      room.off(RoomEvent.DataReceived, onData);
      room.off(RoomEvent.ConnectionStateChanged, onState);
    };
  }, [room]);

  return turns;
}
