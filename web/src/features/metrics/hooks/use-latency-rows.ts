import { useMemo } from 'react';
import type { Room } from 'livekit-client';
import { buildLatencyRows, type LatencyRow } from '../latency-rows';
import { useBrowserLatency } from './use-browser-latency';
import { useTurnMetrics } from './use-turn-metrics';

/** Rows for the latency panel: agent figures paired with what this page measured. */
export function useLatencyRows(
  room: Room,
  micTrack: MediaStreamTrack | undefined,
  agentTrack: MediaStreamTrack | undefined,
): LatencyRow[] {
  const turns = useTurnMetrics(room);
  const measurements = useBrowserLatency(room, micTrack, agentTrack);
  return useMemo(() => buildLatencyRows(turns, measurements), [turns, measurements]);
}
