import { useEffect, useId, useRef } from 'react';
import { useTranslate } from '../../../i18n';

type DeleteConfirmProps = {
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
};

/** Asks before a conversation is deleted; focus starts on Cancel, Escape cancels. */
export function DeleteConfirm({ busy, onConfirm, onCancel }: DeleteConfirmProps) {
  const titleId = useId();
  const { t } = useTranslate();
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
      <p id={titleId}>{t('history.deleteQuestion')}</p>
      <div className="confirm-actions">
        <button type="button" className="button button-danger" onClick={onConfirm} disabled={busy} aria-busy={busy}>
          {t('history.deleteConfirm')}
        </button>
        <button ref={cancelRef} type="button" className="button button-secondary" onClick={onCancel}>
          {t('history.cancel')}
        </button>
      </div>
    </div>
  );
}
