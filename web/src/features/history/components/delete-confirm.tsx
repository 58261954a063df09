import { useEffect, useId, useRef } from 'react';

type DeleteConfirmProps = {
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
};

/** Asks before a conversation is deleted; focus starts on Cancel, Escape cancels. */
export function DeleteConfirm({ busy, onConfirm, onCancel }: DeleteConfirmProps) {
  const titleId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-labelledby={titleId}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onCancel();
      }}
    >
      <p id={titleId}>Delete this conversation and its transcript? This cannot be undone.</p>
      <div className="confirm-actions">
        <button type="button" className="button button-danger" onClick={onConfirm} disabled={busy} aria-busy={busy}>
          Delete for good
        </button>
        <button ref={cancelRef} type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
