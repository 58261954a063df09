import { RoomEvent, type Room } from 'livekit-client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslate } from '../../../i18n';
import { agentMaxBytes, describeAttachment, FILE_TOPIC, tooBig, type Attachment } from '../attachments';

/** An attachment, placed in the transcript after its first `after` entries. */
export type PlacedAttachment = Attachment & { after: number; error?: string };

/**
 * Files sent to the agent in this call, and `attach` to send one. `transcriptLength`: how
 * many transcript entries there are now (an attachment shows after them).
 */
export function useAttachments(room: Room, transcriptLength: number) {
  const [attachments, setAttachments] = useState<PlacedAttachment[]>([]);
  const lengthRef = useRef(transcriptLength);
  lengthRef.current = transcriptLength;
  const counter = useRef(0);
  const { t, language } = useTranslate();

  const update = useCallback((key: string, change: Partial<PlacedAttachment>) => {
    setAttachments((all) => all.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const attach = useCallback(
    (file: File) => {
      counter.current += 1;
      const key = `file:${counter.current}`;
      const placed: PlacedAttachment = { key, name: file.name, size: file.size, preview: null, after: lengthRef.current };
      setAttachments((all) => [...all, placed]);
      describeAttachment(file, key)
        .then(({ preview }) => update(key, { preview }))
        .catch(() => undefined); // no preview: the name and size still show
      const refused = tooBig(t, language, file, agentMaxBytes(room.remoteParticipants.values()));
      if (refused) {
        update(key, { error: refused });
        return;
      }
      room.localParticipant.sendFile(file, { topic: FILE_TOPIC }).catch((err: unknown) => {
        update(key, {
          error: err instanceof Error ? t('chat.fileNotSentBecause', { error: err.message }) : t('chat.fileNotSent'),
        });
      });
    },
    [room, update, t, language],
  );

  // a new call starts with a new transcript
  useEffect(() => {
    const clear = () => setAttachments([]);
    room.on(RoomEvent.Connected, clear);
    return () => {
      room.off(RoomEvent.Connected, clear);
    };
  }, [room]);

  // image previews are object URLs: let them go with the page's call
  const urls = useRef<string[]>([]);
  urls.current = attachments.flatMap((a) => (a.preview?.kind === 'image' ? [a.preview.url] : []));
  useEffect(() => () => urls.current.forEach((url) => URL.revokeObjectURL(url)), []);

  return { attachments, attach };
}
