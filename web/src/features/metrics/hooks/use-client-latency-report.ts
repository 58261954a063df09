import { useEffect, useRef } from 'react';
import type { LatencyRow } from '../latency-rows';
import { postClientLatency, type ClientLatency } from '../client-latency-api';

/** Posts each turn's browser-measured latency to the backend once, as soon as it is paired. */
export function useClientLatencyReport(
  roomName: string,
  rows: ReadonlyArray<LatencyRow>,
  post: (body: ClientLatency) => void = postClientLatency,
): void {
  const sent = useRef(new Set<string>());
  useEffect(() => {
    if (!roomName) return;
    for (const row of rows) {
      if (row.turn === null || row.browserMs === null) continue;
      const key = `${roomName}/${row.turn}`;
      if (sent.current.has(key)) continue;
      sent.current.add(key);
      post({ room_name: roomName, turn: row.turn, e2e_ms: Math.round(row.browserMs) });
    }
  }, [roomName, rows, post]);
}
