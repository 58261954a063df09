/** Where each saved message falls in the call's recording, and which one is being spoken. */

type Timed = { id: string; created_at: string };
/** One agent's part of the recording: the wall time of its first sample, and where it plays. */
export type RecordingPart = { started_at: string; starts_at_s: number };

/** Seconds into the recording of each message (negative: before it), placed by the last part
 * started at or before it (a call resumed after a crash has a part per agent, and the time
 * between them is not in the recording). */
export function messageOffsets(messages: readonly Timed[], parts: readonly RecordingPart[]): Map<string, number> {
  const starts = parts
    .map((part) => ({ at: new Date(part.started_at).getTime(), plays: part.starts_at_s }))
    .sort((a, b) => a.at - b.at);
  return new Map(
    messages.map((message) => {
      const said = new Date(message.created_at).getTime();
      const part = starts.filter((p) => p.at <= said).pop() ?? starts[0];
      return [message.id, part ? part.plays + (said - part.at) / 1000 : 0];
    }),
  );
}

/** The recording's parts; a single one where the backend names none. */
export function recordingParts(recording: { started_at: string; parts?: RecordingPart[] }): RecordingPart[] {
  return recording.parts?.length ? recording.parts : [{ started_at: recording.started_at, starts_at_s: 0 }];
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
