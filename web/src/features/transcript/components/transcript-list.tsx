import { useEffect, useRef } from 'react';
import { AttachmentView } from '../../chat/components/attachment-view';
import type { TranscriptEntry } from '../transcript-entries';
import { useTranslate } from '../../../i18n';

type TranscriptListProps = {
  entries: ReadonlyArray<TranscriptEntry>;
  isConnected: boolean;
};

export function TranscriptList({ entries, isConnected }: TranscriptListProps) {
  const listRef = useRef<HTMLOListElement>(null);
  const lastText = entries.at(-1)?.text;
  const { t } = useTranslate();

  // Keep the newest line in view as entries arrive or grow.
  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [entries.length, lastText]);

  return (
    <div className="transcript">
      <ol ref={listRef} className="transcript-list" aria-label={t('transcript.list')} aria-live="polite">
        {entries.map((entry) => (
          <li
            key={entry.key}
            className={`bubble bubble-${entry.role}`}
            data-testid={entry.role === 'user' ? 'msg-user' : 'msg-agent'}
            data-final={entry.final}
            data-kind={entry.kind}
          >
            <span className="visually-hidden">{entry.role === 'user' ? t('transcript.you') : t('transcript.assistant')}</span>
            {entry.attachment ? <AttachmentView attachment={entry.attachment} /> : entry.text}
          </li>
        ))}
      </ol>
      {entries.length === 0 && (
        <p className="transcript-empty">
          {isConnected
            ? t('transcript.emptyConnected')
            : t('transcript.emptyOffline')}
        </p>
      )}
    </div>
  );
}
