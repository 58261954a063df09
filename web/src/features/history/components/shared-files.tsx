import { useEffect, useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import { useTranslate, type Translate } from '../../../i18n';
import { formatBytes } from '../../chat/attachments';
import { fileContentUrl, listConversationFiles, type ConversationFile } from '../history-api';

type FilesState = { status: 'loading' } | { status: 'failed'; error: string } | { status: 'ready'; files: ConversationFile[] };

/** The files shared in the call, with what the agent read of each and a thumbnail of each image
 * kept (nothing while none). */
export function SharedFiles({ conversationId }: { conversationId: string }) {
  const [state, setState] = useState<FilesState>({ status: 'loading' });
  const { t, language } = useTranslate();

  useEffect(() => {
    let live = true;
    listConversationFiles(conversationId)
      .then((files) => live && setState({ status: 'ready', files }))
      .catch((error: unknown) => live && setState({ status: 'failed', error: describeApiError(error) }));
    return () => {
      live = false;
    };
  }, [conversationId]);

  if (state.status === 'loading' || (state.status === 'ready' && state.files.length === 0)) return null;
  return (
    <>
      <h3>{t('files.title')}</h3>
      {state.status === 'failed' ? (
        <p className="empty" role="alert">
          {t('files.loadFailed', { error: state.error })}
        </p>
      ) : (
        <ul className="shared-files" aria-label={t('files.title')}>
          {state.files.map((file) => (
            <li key={file.id} data-testid="shared-file">
              <strong>{file.name}</strong> <span className="latency-tag">{`${file.kind}, ${formatBytes(language, file.size)}`}</span>
              {file.content_type && (
                <a href={fileContentUrl(conversationId, file.id)} target="_blank" rel="noreferrer">
                  <img
                    className="shared-file-image"
                    src={fileContentUrl(conversationId, file.id)}
                    alt={file.name}
                    loading="lazy"
                  />
                </a>
              )}
              {file.text ? (
                <details>
                  <summary>{t('files.read')}</summary>
                  <p className="shared-file-text">{file.text}</p>
                </details>
              ) : (
                <span className="latency-tag">
                  {' '}
                  {file.kind === 'image' ? imageNote(t, file.content_type) : t('files.noText')}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function imageNote(t: Translate, contentType: string | null | undefined): string {
  return contentType ? t('files.image') : t('files.imageNotKept');
}
