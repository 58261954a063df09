import { useMediaDeviceSelect, useRoomContext } from '@livekit/components-react';
import { useId } from 'react';
import { useUiStore, type DeviceKind } from '../../../store/ui-store';

const LABELS: Record<DeviceKind, string> = {
  audioinput: 'Microphone',
  videoinput: 'Camera',
  audiooutput: 'Speaker',
};

function DeviceSelect({ kind }: { kind: DeviceKind }) {
  const room = useRoomContext();
  const setDevice = useUiStore((store) => store.setDevice);
  const pushToast = useUiStore((store) => store.pushToast);
  const id = useId();
  const { devices, activeDeviceId, setActiveMediaDevice } = useMediaDeviceSelect({
    kind,
    room,
    requestPermissions: false,
    onError: (error) => pushToast(`${LABELS[kind]} list unavailable: ${error.message}`),
  });
  const usable = devices.filter((device) => device.deviceId !== '');

  return (
    <div className="field">
      <label htmlFor={id}>{LABELS[kind]}</label>
      <select
        id={id}
        value={activeDeviceId}
        disabled={usable.length === 0}
        onChange={(event) => {
          const deviceId = event.target.value;
          setDevice(kind, deviceId);
          setActiveMediaDevice(deviceId).catch((error: unknown) =>
            pushToast(`Could not switch the ${LABELS[kind].toLowerCase()}: ${String(error)}`),
          );
        }}
      >
        {usable.length === 0 && <option value={activeDeviceId}>None found</option>}
        {usable.map((device, index) => (
          <option key={device.deviceId} value={device.deviceId}>
            {device.label || `${LABELS[kind]} ${index + 1}`}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Microphone, camera and speaker pickers for the current call. */
export function DeviceSettings() {
  const open = useUiStore((store) => store.devicePanelOpen);
  const toggle = useUiStore((store) => store.toggleDevicePanel);
  const panelId = useId();
  return (
    <div className="device-settings">
      <button
        type="button"
        className="button button-secondary"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={toggle}
      >
        Devices
      </button>
      {open && (
        <section id={panelId} className="device-panel" aria-label="Devices">
          <DeviceSelect kind="audioinput" />
          <DeviceSelect kind="videoinput" />
          <DeviceSelect kind="audiooutput" />
        </section>
      )}
    </div>
  );
}
