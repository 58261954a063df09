import { act, renderHook, waitFor } from '@testing-library/react';
import { DisconnectReason, Room, RoomEvent } from 'livekit-client';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { conversation, conversationDetail } from '../../../testing/api-fixtures';
import { server } from '../../../testing/msw-server';
import { ConversationTokenSource } from '../conversation-token-source';
import { loadCall, saveCall } from '../stored-call';
import { useForgetEndedCall, useRejoin } from './use-rejoin';
import { en } from '../../../i18n/en';

const stored = { conversationId: conversation(1).id, roomName: 'room-1' };

function withConversation(status: 'active' | 'ended' | 404 | 500) {
  server.use(
    http.get('/api/conversations/:id', () =>
      typeof status === 'number'
        ? HttpResponse.json({ detail: 'conversation not found' }, { status })
        : HttpResponse.json({ ...conversationDetail(1), status }),
    ),
  );
}

function render() {
  const source = new ConversationTokenSource();
  const rejoin = vi.spyOn(source, 'rejoin');
  const connect = vi.fn();
  const hook = renderHook(() => useRejoin(source, connect));
  return { hook, rejoin, connect };
}

describe('useRejoin', () => {
  afterEach(() => sessionStorage.clear());

  it('rejoins an active stored call with its transcript so far', async () => {
    saveCall(stored);
    withConversation('active');
    const { hook, rejoin, connect } = render();
    await waitFor(() => expect(connect).toHaveBeenCalledOnce());
    expect(rejoin).toHaveBeenCalledWith(stored);
    expect(hook.result.current.earlier.map((e) => [e.role, e.text])).toEqual([
      ['user', 'What is the capital of France?'],
      ['agent', 'The capital of France is Paris.'],
    ]);
    expect(hook.result.current.note).toBeNull();
    expect(loadCall()).toEqual(stored);
    act(() => hook.result.current.reset()); // a new call
    expect(hook.result.current.earlier).toEqual([]);
  });

  it.each(['ended', 404] as const)('forgets a call that is over (%s) and says so', async (status) => {
    saveCall(stored);
    withConversation(status);
    const { hook, connect } = render();
    await waitFor(() => expect(hook.result.current.note).toBe(en['session.callEnded']));
    expect(connect).not.toHaveBeenCalled();
    expect(loadCall()).toBeNull();
    expect(hook.result.current.earlier).toEqual([]);
  });

  it('keeps the call for the next reload when the backend cannot say', async () => {
    saveCall(stored);
    withConversation(500);
    const { hook, connect } = render();
    await waitFor(() => expect(hook.result.current.note).toBe(en['session.rejoinFailed']));
    expect(connect).not.toHaveBeenCalled();
    expect(loadCall()).toEqual(stored);
  });

  it('does nothing without a stored call', async () => {
    const get = vi.fn();
    server.use(http.get('/api/conversations/:id', get));
    const { hook, connect } = render();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([get.mock.calls.length, connect.mock.calls.length, hook.result.current.note]).toEqual([0, 0, null]);
  });
});

describe('useForgetEndedCall', () => {
  afterEach(() => sessionStorage.clear());

  it('forgets the call the server ended, not one left by a reload', () => {
    const room = new Room();
    renderHook(() => useForgetEndedCall(room));
    saveCall(stored);
    act(() => {
      room.emit(RoomEvent.Disconnected, DisconnectReason.CLIENT_INITIATED); // the page leaving
    });
    expect(loadCall()).toEqual(stored);
    act(() => {
      room.emit(RoomEvent.Disconnected, DisconnectReason.ROOM_DELETED);
    });
    expect(loadCall()).toBeNull();
  });
});
