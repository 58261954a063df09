/** Where each saved message falls in the call's recording, and which one is being spoken. */

type Timed = { id: string; created_at: string };

/** Seconds from the recording's first sample to each message (negative: before it). */
export function messageOffsets(messages: readonly Timed[], recordingStartedAt: string): Map<string, number> {
  const start = new Date(recordingStartedAt).getTime();
  return new Map(messages.map((message) => [message.id, (new Date(message.created_at).getTime() - start) / 1000]));
}

/** The message being spoken at `seconds` into the recording: the last one stored at or before
 * it (null before the first). */
export function messageAt(offsets: ReadonlyMap<string, number>, seconds: number): string | null {
  let current: string | null = null;
  let latest = -Infinity;
  for (const [id, at] of offsets) {
    if (at <= seconds && at >= latest) {
      current = id;
      latest = at;
    }
  }
  return current;
}

/** The recording's address; `download` asks for it as a file to save. */
export function recordingUrl(conversationId: string, { download = false } = {}): string {
  const path = `/api/conversations/${encodeURIComponent(conversationId)}/recording`;
  return download ? `${path}?download=true` : path;
}
