import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

/**
 * UI state only: what the user picked and which panels are open. The call itself (room,
 * agent, tracks, transcripts) stays in LiveKit's session hooks and is never copied here.
 * Device and persona/voice/language choices are remembered in localStorage across visits; recording
 * is not: it is off for every new visit until the user turns it on.
 */

export type DeviceKind = 'audioinput' | 'videoinput' | 'audiooutput';
export type ToastTone = 'error' | 'info';
export type Toast = { id: number; tone: ToastTone; message: string };
export type CallChoice = {
  persona: string | null;
  voice: string | null;
  /** The call's language; the page's own text follows it where a translation exists. */
  language: string | null;
  record: boolean;
};

export const MAX_TOASTS = 4;
export const UI_STORAGE_KEY = 'voice-assistant.ui';

type UiState = {
  devices: Record<DeviceKind, string | null>;
  devicePanelOpen: boolean;
  choice: CallChoice;
  toasts: Toast[];
  setDevice: (kind: DeviceKind, deviceId: string) => void;
  toggleDevicePanel: () => void;
  choose: (choice: Partial<CallChoice>) => void;
  pushToast: (message: string, tone?: ToastTone) => number;
  dismissToast: (id: number) => void;
};

let nextToastId = 1;

export const useUiStore = create<UiState>()(
  persist(
    (set, get) => ({
  devices: { audioinput: null, videoinput: null, audiooutput: null },
  devicePanelOpen: false,
  choice: { persona: null, voice: null, language: null, record: false },
  toasts: [],
  setDevice: (kind, deviceId) => set((state) => ({ devices: { ...state.devices, [kind]: deviceId } })),
  toggleDevicePanel: () => set((state) => ({ devicePanelOpen: !state.devicePanelOpen })),
  choose: (choice) => set((state) => ({ choice: { ...state.choice, ...choice } })),
  pushToast: (message, tone = 'error') => {
    // The same message twice in a row (an agent retrying, say) shows once.
    const last = get().toasts.at(-1);
    if (last && last.message === message && last.tone === tone) return last.id;
    const id = nextToastId++;
    set((state) => ({ toasts: [...state.toasts, { id, tone, message }].slice(-MAX_TOASTS) }));
    return id;
  },
  dismissToast: (id) => set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) })),
    }),
    {
      name: UI_STORAGE_KEY,
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({
        devices: state.devices,
        choice: { persona: state.choice.persona, voice: state.choice.voice, language: state.choice.language },
      }),
      merge: (stored, current) => {
        const saved = (stored ?? {}) as Partial<UiState>;
        return { ...current, ...saved, choice: { ...current.choice, ...saved.choice, record: false } };
      },
    },
  ),
);

/** Back to the initial state, forgetting what was stored (tests). */
export function resetUiStore(): void {
  useUiStore.persist.clearStorage();
  useUiStore.setState({
    devices: { audioinput: null, videoinput: null, audiooutput: null },
    devicePanelOpen: false,
    choice: { persona: null, voice: null, language: null, record: false },
    toasts: [],
  });
}
