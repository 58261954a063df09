import { act, renderHook } from '@testing-library/react';
import { ConnectionState, DisconnectReason, Room, RoomEvent } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { useCallDrop } from './use-call-drop';

describe('useCallDrop', () => {
  it('remembers an unexpected disconnect until the next call connects', () => {
    const room = new Room();
    const { result } = renderHook(() => useCallDrop(room));
    act(() => {
      room.emit(RoomEvent.Disconnected, DisconnectReason.CLIENT_INITIATED);
    });
    expect(result.current.message).toBeNull();
    act(() => {
      room.emit(RoomEvent.Disconnected, DisconnectReason.SERVER_SHUTDOWN);
    });
    expect(result.current.message).toBe('The media server shut down.');
    act(() => {
      room.emit(RoomEvent.ConnectionStateChanged, ConnectionState.Connecting);
    });
    expect(result.current.message).toBeNull();
  });
});
