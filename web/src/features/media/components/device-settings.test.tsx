import { RoomContext } from '@livekit/components-react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Room } from 'livekit-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useUiStore } from '../../../store/ui-store';
import { DeviceSettings } from './device-settings';

const devices = [
  { deviceId: 'mic-1', kind: 'audioinput', label: 'Built-in microphone', groupId: 'a' },
  { deviceId: 'mic-2', kind: 'audioinput', label: 'USB headset', groupId: 'b' },
  { deviceId: 'cam-1', kind: 'videoinput', label: 'Webcam', groupId: 'c' },
  { deviceId: 'out-1', kind: 'audiooutput', label: '', groupId: 'a' },
] as MediaDeviceInfo[];

describe('DeviceSettings', () => {
  beforeEach(() => {
    // jsdom is no secure context and has no media devices: a fixed list, as a browser gives.
    Object.defineProperty(window, 'isSecureContext', { configurable: true, value: true });
    Object.defineProperty(navigator, 'mediaDevices', {
      configurable: true,
      value: {
        enumerateDevices: async () => devices,
        addEventListener: () => undefined,
        removeEventListener: () => undefined,
      },
    });
  });
  afterEach(() => {
    Reflect.deleteProperty(navigator, 'mediaDevices');
    Reflect.deleteProperty(window, 'isSecureContext');
  });

  it('opens a labelled panel listing each kind and switches the microphone', async () => {
    const room = new Room();
    const switchActiveDevice = vi.spyOn(room, 'switchActiveDevice').mockResolvedValue(true);
    render(
      <RoomContext.Provider value={room}>
        <DeviceSettings />
      </RoomContext.Provider>,
    );
    const user = userEvent.setup();
    const toggle = screen.getByRole('button', { name: 'Devices' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('region', { name: 'Devices' })).not.toBeInTheDocument();

    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const panel = screen.getByRole('region', { name: 'Devices' });
    const mic = within(panel).getByRole('combobox', { name: 'Microphone' });
    await waitFor(() =>
      expect(within(mic).getAllByRole('option').map((o) => o.textContent)).toEqual(['Built-in microphone', 'USB headset']),
    );
    expect(within(panel).getByRole('combobox', { name: 'Camera' })).toHaveTextContent('Webcam');
    // A device without a label (no permission yet) still gets a readable name.
    await waitFor(() => expect(within(panel).getByRole('combobox', { name: 'Speaker' })).toHaveTextContent('Speaker 1'));

    await user.selectOptions(mic, 'mic-2');
    await waitFor(() => expect(switchActiveDevice).toHaveBeenCalledWith('audioinput', 'mic-2', undefined));
    expect(useUiStore.getState().devices.audioinput).toBe('mic-2');
  });
});
