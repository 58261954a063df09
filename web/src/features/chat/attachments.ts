import { formatNumber, type PageLanguage, type Translate } from '../../i18n';

/**
 * Files the user attaches in the chat go to the agent as LiveKit byte streams on this topic
 * (`room.localParticipant.sendFile(file, { topic: FILE_TOPIC })`); the agent reads them
 * (agent/src/voice_agent/file_input.py, `FILE_TOPIC`) and answers each with one line: read,
 * or why not (too large, another type, too many). The limits are the agent's settings.
 */
export const FILE_TOPIC = 'va.file';

/** The agent's attribute with its size limit per file, in bytes (file_input.py). */
export const MAX_BYTES_ATTRIBUTE = 'files.max_bytes';

/** The agent's size limit, from the attributes of the room's other participants (null
 * while no agent has said it: the agent still refuses a larger file itself). */
export function agentMaxBytes(participants: Iterable<{ attributes: Readonly<Record<string, string>> }>): number | null {
  for (const participant of participants) {
    const limit = Number(participant.attributes[MAX_BYTES_ATTRIBUTE]);
    if (Number.isInteger(limit) && limit > 0) return limit;
  }
  return null;
}

/** The page's own refusal of a file over the agent's limit, or null to send it. */
export function tooBig(
  t: Translate,
  language: PageLanguage,
  file: { name: string; size: number },
  maxBytes: number | null,
): string | null {
  if (maxBytes === null || file.size <= maxBytes) return null;
  return t('chat.fileTooBig', { name: file.name, max: formatBytes(language, maxBytes) });
}

/** What the file picker offers: text, Markdown, PDF and images (the agent's types). */
export const ACCEPTED_FILES = '.txt,.md,.markdown,.pdf,.png,.jpg,.jpeg,.gif,.webp,text/plain,text/markdown,application/pdf,image/*';

/** A preview this long of a text file's start is shown in the transcript. */
const PREVIEW_CHARS = 160;

export type Attachment = {
  key: string;
  name: string;
  size: number;
  /** The first lines of a text file, or an object URL of an image. */
  preview: { kind: 'text'; text: string } | { kind: 'image'; url: string } | null;
};

/** `999 bytes` below a kilobyte, else `12.3 KB` / `4.5 MB`, as the page's language writes
 * numbers (`999 Byte`, `12,3 KB` in German). */
export function formatBytes(language: PageLanguage, size: number): string {
  if (size < 1000) {
    return new Intl.NumberFormat(language, { style: 'unit', unit: 'byte', unitDisplay: 'long' }).format(size);
  }
  if (size < 1_000_000) return `${formatNumber(language, size / 1000, 1)} KB`;
  return `${formatNumber(language, size / 1_000_000, 1)} MB`;
}

function isText(file: File): boolean {
  return file.type.startsWith('text/') || /\.(txt|md|markdown)$/i.test(file.name);
}

/** The attachment as the transcript shows it (reads at most the preview's bytes). */
export async function describeAttachment(file: File, key: string): Promise<Attachment> {
  let preview: Attachment['preview'] = null;
  if (file.type.startsWith('image/')) {
    preview = { kind: 'image', url: URL.createObjectURL(file) };
  } else if (isText(file)) {
    const start = await file.slice(0, PREVIEW_CHARS * 4).text();
    const text = start.length > PREVIEW_CHARS ? `${start.slice(0, PREVIEW_CHARS)}…` : start;
    preview = text.trim() ? { kind: 'text', text } : null;
  }
  return { key, name: file.name, size: file.size, preview };
}
