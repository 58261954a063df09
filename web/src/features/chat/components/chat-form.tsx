import { useState, type FormEvent } from 'react';
import { AttachButton } from './attach-button';

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

  const handleSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const message = text.trim();
    if (disabled || isSending || message === '') return;
    setIsSending(true);
    setError(null);
    onSend(message)
      .then(() => setText(''))
      .catch((err: unknown) => {
        setError(err instanceof Error ? `Message not sent: ${err.message}` : 'Message not sent.');
      })
      .finally(() => setIsSending(false));
  };

  return (
    <form className="chat-form" onSubmit={handleSubmit} aria-label="Send a message">
      <input
        className="chat-input"
        type="text"
        aria-label="Message"
        placeholder={disabled ? 'Connect to send messages' : 'Type a message…'}
        autoComplete="off"
        value={text}
        onChange={(event) => setText(event.target.value)}
        disabled={disabled}
      />
      {onAttach && <AttachButton disabled={disabled} onAttach={onAttach} />}
      <button type="submit" className="button button-primary" disabled={disabled || isSending}>
        Send
      </button>
      {error && (
        <p className="chat-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
