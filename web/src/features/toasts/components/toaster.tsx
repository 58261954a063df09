import { useEffect } from 'react';
import { useUiStore, type Toast } from '../../../store/ui-store';
import { useTranslate } from '../../../i18n';

/** Info toasts close by themselves; errors stay until dismissed. */
export const INFO_TOAST_MS = 6_000;

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useUiStore((store) => store.dismissToast);
  const { t } = useTranslate();
  useEffect(() => {
    if (toast.tone !== 'info') return;
    const timer = setTimeout(() => dismiss(toast.id), INFO_TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast, dismiss]);
  return (
    <li className="toast" data-tone={toast.tone} data-testid="toast">
      <p className="toast-text">{toast.message}</p>
      <button type="button" className="alert-dismiss" aria-label={t('toasts.dismiss')} onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </li>
  );
}

export function Toaster() {
  const toasts = useUiStore((store) => store.toasts);
  const { t } = useTranslate();
  return (
    <section className="toaster" aria-label={t('toasts.region')} aria-live="assertive">
      <ol className="toast-list">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} />
        ))}
      </ol>
    </section>
  );
}
