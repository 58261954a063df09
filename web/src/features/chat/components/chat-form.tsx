import { useState, type FormEvent } from 'react';
import { AttachButton } from './attach-button';
import { useTranslate } from '../../../i18n';

type ChatFormProps = {
  disabled: boolean;
  onSend: (text: string) => Promise<unknown>;
  /** Send a file to the agent; no Attach button without it. */
  onAttach?: (file: File) => void;
};

export function ChatForm({ disabled, onSend, onAttach }: ChatFormProps) {
  const [text, setText] = useState('');
  const [isSending, setIsSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { t } = useTranslate();

  const handleSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const message = text.trim();
    if (disabled || isSending || message === '') return;
    setIsSending(true);
    setError(null);
    onSend(message)
      .then(() => setText(''))
      .catch((err: unknown) => {
        setError(err instanceof Error ? t('chat.notSentBecause', { reason: err.message }) : t('chat.notSent'));
      })
      .finally(() => setIsSending(false));
  };

  return (
    <form className="chat-form" onSubmit={handleSubmit} aria-label={t('chat.form')}>
      <input
        className="chat-input"
        type="text"
        aria-label={t('chat.message')}
        placeholder={disabled ? t('chat.placeholderOffline') : t('chat.placeholder')}
        autoComplete="off"
        value={text}
        onChange={(event) => setText(event.target.value)}
        disabled={disabled}
      />
      {onAttach && <AttachButton disabled={disabled} onAttach={onAttach} />}
      <button type="submit" className="button button-primary" disabled={disabled || isSending}>
        {t('chat.send')}
      </button>
      {error && (
        <p className="chat-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
