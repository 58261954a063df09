import { useEffect } from 'react';
import { RoomEvent, type Room } from 'livekit-client';
import { useUiStore, type DeviceKind } from '../../../store/ui-store';

const KINDS: DeviceKind[] = ['audioinput', 'videoinput', 'audiooutput'];

/** When a call connects, switch to the devices the user picked before (if still there). */
export function useStoredDevices(room: Room): void {
  useEffect(() => {
    const onConnected = () => {
      const { devices } = useUiStore.getState();
      for (const kind of KINDS) {
        const deviceId = devices[kind];
        // A device that was unplugged since: stay on the browser's default.
        if (deviceId) room.switchActiveDevice(kind, deviceId).catch(() => undefined);
      }
    };
    room.on(RoomEvent.Connected, onConnected);
    return () => {
      room.off(RoomEvent.Connected, onConnected);
    };
  }, [room]);
}
