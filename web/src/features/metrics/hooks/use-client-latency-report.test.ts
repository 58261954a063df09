import { renderHook, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { server } from '../../../testing/msw-server';
import type { LatencyRow } from '../latency-rows';
import { useClientLatencyReport } from './use-client-latency-report';

function row(turn: number | null, browserMs: number | null): LatencyRow {
  return {
    key: `k${turn}`,
    turn,
    isGreeting: false,
    interrupted: false,
    browserMs,
    e2eMs: 700,
    sttMs: null,
    llmMs: null,
    ttsMs: null,
  };
}

type Listener = (reason: unknown) => void;
// Vitest runs on Node; its process reports unhandled rejections (no @types/node in src).
const nodeProcess = (globalThis as unknown as {
  process: { on: (event: string, listener: Listener) => void; off: (event: string, listener: Listener) => void };
}).process;

describe('useClientLatencyReport', () => {
  it('posts each paired turn once, to the backend', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post('/api/metrics/client-latency', async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { rerender } = renderHook(({ rows }) => useClientLatencyReport('room-7', rows), {
      initialProps: { rows: [row(null, 640), row(2, null)] },
    });
    rerender({ rows: [row(2, 812.6)] });
    rerender({ rows: [row(2, 812.6), row(3, 901.2)] });

    await waitFor(() => expect(bodies).toHaveLength(2));
    expect(bodies).toEqual([
      { room_name: 'room-7', turn: 2, e2e_ms: 813 },
      { room_name: 'room-7', turn: 3, e2e_ms: 901 },
    ]);
  });

  it('swallows a failing backend: no unhandled rejection, no console error', async () => {
    let calls = 0;
    server.use(
      http.post('/api/metrics/client-latency', () => {
        calls += 1;
        return HttpResponse.json({ detail: 'not found' }, { status: 404 });
      }),
    );
    const consoleError = vi.spyOn(console, 'error');
    const unhandled = vi.fn();
    nodeProcess.on('unhandledRejection', unhandled);
    try {
      renderHook(() => useClientLatencyReport('room-8', [row(1, 500)]));
      await waitFor(() => expect(calls).toBe(1));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).not.toHaveBeenCalled();
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      nodeProcess.off('unhandledRejection', unhandled);
    }
  });

  it('posts nothing before the room has a name', () => {
    const post = vi.fn();
    renderHook(() => useClientLatencyReport('', [row(1, 500)], post));
    expect(post).not.toHaveBeenCalled();
  });
});
