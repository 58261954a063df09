import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_TOASTS, UI_STORAGE_KEY, resetUiStore, useUiStore } from './ui-store';

describe('useUiStore', () => {
  beforeEach(() => resetUiStore());

  it('keeps one chosen device per kind', () => {
    const { setDevice } = useUiStore.getState();
    setDevice('audioinput', 'mic-2');
    setDevice('videoinput', 'cam-1');
    setDevice('audioinput', 'mic-3');
    expect(useUiStore.getState().devices).toEqual({
      audioinput: 'mic-3',
      videoinput: 'cam-1',
      audiooutput: null,
    });
  });

  it('merges persona, voice and language choices', () => {
    useUiStore.getState().choose({ persona: 'tutor' });
    useUiStore.getState().choose({ voice: 'amy' });
    useUiStore.getState().choose({ language: 'de' });
    expect(useUiStore.getState().choice).toEqual({ persona: 'tutor', voice: 'amy', language: 'de', record: false });
  });

  it('toggles the device panel', () => {
    useUiStore.getState().toggleDevicePanel();
    expect(useUiStore.getState().devicePanelOpen).toBe(true);
    useUiStore.getState().toggleDevicePanel();
    expect(useUiStore.getState().devicePanelOpen).toBe(false);
  });

  it('stacks toasts, drops repeats, caps the stack and dismisses by id', () => {
    const { pushToast, dismissToast } = useUiStore.getState();
    const first = pushToast('one');
    expect(pushToast('one')).toBe(first);
    pushToast('one', 'info'); // another tone is another toast
    for (const n of [2, 3, 4, 5]) pushToast(`n${n}`);
    const toasts = useUiStore.getState().toasts;
    expect(toasts).toHaveLength(MAX_TOASTS);
    expect(toasts.map((toast) => toast.message)).toEqual(['n2', 'n3', 'n4', 'n5']);

    dismissToast(toasts[0]!.id);
    expect(useUiStore.getState().toasts.map((toast) => toast.message)).toEqual(['n3', 'n4', 'n5']);
  });

  it('remembers devices and choices across visits, but not toasts or panels', async () => {
    useUiStore.getState().setDevice('audiooutput', 'speaker-9');
    useUiStore.getState().choose({ persona: 'tutor', language: 'de' });
    useUiStore.getState().pushToast('transient');
    useUiStore.getState().toggleDevicePanel();
    const stored = JSON.parse(localStorage.getItem(UI_STORAGE_KEY) ?? '{}') as { state: Record<string, unknown> };
    expect(stored.state).toEqual({
      devices: { audioinput: null, videoinput: null, audiooutput: 'speaker-9' },
      choice: { persona: 'tutor', voice: null, language: 'de' },
    });

    useUiStore.setState({ devices: { audioinput: null, videoinput: null, audiooutput: null } });
    localStorage.setItem(UI_STORAGE_KEY, JSON.stringify(stored));
    await useUiStore.persist.rehydrate();
    expect(useUiStore.getState().devices.audiooutput).toBe('speaker-9');
    expect(useUiStore.getState().choice.language).toBe('de');
  });

  it('never remembers recording: every visit starts with it off', async () => {
    useUiStore.getState().choose({ persona: 'tutor', record: true });
    const stored = localStorage.getItem(UI_STORAGE_KEY) ?? '{}';
    expect(stored).not.toContain('record');
    localStorage.setItem(UI_STORAGE_KEY, stored.replace('"voice":null', '"voice":null,"record":true'));
    await useUiStore.persist.rehydrate();
    expect(useUiStore.getState().choice).toEqual({ persona: 'tutor', voice: null, language: null, record: false });
  });
});
