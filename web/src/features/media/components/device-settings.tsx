import { useMediaDeviceSelect, useRoomContext } from '@livekit/components-react';
import { useId } from 'react';
import { useUiStore, type DeviceKind } from '../../../store/ui-store';
import { useTranslate, type MessageKey } from '../../../i18n';

const LABELS: Record<DeviceKind, MessageKey> = {
  audioinput: 'devices.microphone',
  videoinput: 'devices.camera',
  audiooutput: 'devices.speaker',
};

function DeviceSelect({ kind }: { kind: DeviceKind }) {
  const room = useRoomContext();
  const setDevice = useUiStore((store) => store.setDevice);
  const pushToast = useUiStore((store) => store.pushToast);
  const id = useId();
  const { t } = useTranslate();
  const label = t(LABELS[kind]);
  const { devices, activeDeviceId, setActiveMediaDevice } = useMediaDeviceSelect({
    kind,
    room,
    requestPermissions: false,
    onError: (error) => pushToast(t('devices.listUnavailable', { device: label, error: error.message })),
  });
  const usable = devices.filter((device) => device.deviceId !== '');

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={activeDeviceId}
        disabled={usable.length === 0}
        onChange={(event) => {
          const deviceId = event.target.value;
          setDevice(kind, deviceId);
          setActiveMediaDevice(deviceId).catch((error: unknown) =>
            pushToast(t('devices.switchFailed', { device: label.toLowerCase(), error: String(error) })),
          );
        }}
      >
        {usable.length === 0 && <option value={activeDeviceId}>{t('devices.noneFound')}</option>}
        {usable.map((device, index) => (
          <option key={device.deviceId} value={device.deviceId}>
            {device.label || `${label} ${index + 1}`}
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
  const { t } = useTranslate();
  return (
    <div className="device-settings">
      <button
        type="button"
        className="button button-secondary"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={toggle}
      >
        {t('devices.button')}
      </button>
      {open && (
        <section id={panelId} className="device-panel" aria-label={t('devices.panel')}>
          <DeviceSelect kind="audioinput" />
          <DeviceSelect kind="videoinput" />
          <DeviceSelect kind="audiooutput" />
        </section>
      )}
    </div>
  );
}
