import { renderHook } from '@testing-library/react';
import { Room, RoomEvent } from 'livekit-client';
import { describe, expect, it, vi } from 'vitest';
import { useUiStore } from '../../../store/ui-store';
import { useStoredDevices } from './use-stored-devices';

describe('useStoredDevices', () => {
  it('switches to the stored devices when the call connects, and survives a missing one', async () => {
    const room = new Room();
    const switched: string[] = [];
    vi.spyOn(room, 'switchActiveDevice').mockImplementation(async (kind, deviceId) => {
      switched.push(`${kind}:${deviceId}`);
      if (kind === 'audiooutput') throw new Error('device not found');
      return true;
    });
    useUiStore.getState().setDevice('audioinput', 'mic-2');
    useUiStore.getState().setDevice('audiooutput', 'gone');
    renderHook(() => useStoredDevices(room));

    expect(switched).toEqual([]);
    room.emit(RoomEvent.Connected);
    await Promise.resolve();
    expect(switched).toEqual(['audioinput:mic-2', 'audiooutput:gone']);
  });
});
