import { useTranslate } from '../../../i18n';
import { formatBytes } from '../attachments';
import type { PlacedAttachment } from '../hooks/use-attachments';

/** A sent file in the transcript: its name and size, and a preview where one fits. */
export function AttachmentView({ attachment }: { attachment: PlacedAttachment }) {
  const { name, size, preview, error } = attachment;
  const { language } = useTranslate();
  return (
    <span className="attachment">
      <span className="attachment-name">
        <span aria-hidden="true">📎 </span>
        {name} <span className="attachment-size">({formatBytes(language, size)})</span>
      </span>
      {preview?.kind === 'image' && <img className="attachment-image" src={preview.url} alt={name} />}
      {preview?.kind === 'text' && <span className="attachment-text">{preview.text}</span>}
      {error && (
        <span className="attachment-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
