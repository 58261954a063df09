import { useRef, type ChangeEvent } from 'react';
import { ACCEPTED_FILES } from '../attachments';
import { useTranslate } from '../../../i18n';

type AttachButtonProps = {
  disabled: boolean;
  onAttach: (file: File) => void;
};

/** A button that opens the file picker; each chosen file goes to `onAttach`. */
export function AttachButton({ disabled, onAttach }: AttachButtonProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const { t } = useTranslate();

  const handleChange = (event: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(event.target.files ?? []);
    event.target.value = ''; // the same file can be chosen again
    for (const file of files) onAttach(file);
  };

  return (
    <>
      <button
        type="button"
        className="button button-secondary"
        aria-label={t('chat.attachFile')}
        disabled={disabled}
        onClick={() => inputRef.current?.click()}
      >
        {t('chat.attach')}
      </button>
      <input
        ref={inputRef}
        type="file"
        hidden
        multiple
        accept={ACCEPTED_FILES}
        data-testid="attach-input"
        onChange={handleChange}
        disabled={disabled}
      />
    </>
  );
}
