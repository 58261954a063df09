import { z } from 'zod';
import type { StartedConversation } from './conversation-token-source';

/** Where the page keeps its call for this tab, so a reload can rejoin it. */
export const STORED_CALL_KEY = 'va.call';

const StoredCall = z.object({ conversationId: z.string().min(1), roomName: z.string().min(1) });

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled: no rejoin after a reload, calls work as before
  }
}

/** Remember the tab's current call (kept across a reload, gone with the tab). */
export function saveCall(call: StartedConversation): void {
  try {
    storage()?.setItem(STORED_CALL_KEY, JSON.stringify(call));
  } catch {
    // full or disabled: the call goes on, only a reload will not find it
  }
}

/** The tab's call from before a reload, or null (none, or not one this page wrote). */
export function loadCall(): StartedConversation | null {
  const raw = storage()?.getItem(STORED_CALL_KEY);
  if (!raw) return null;
  try {
    const parsed = StoredCall.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Forget the call: it was hung up or has ended. */
export function clearCall(): void {
  storage()?.removeItem(STORED_CALL_KEY);
}
