import { useEffect } from 'react';
import { useUiStore, type Toast } from '../../../store/ui-store';

/** Info toasts close by themselves; errors stay until dismissed. */
export const INFO_TOAST_MS = 6_000;

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useUiStore((store) => store.dismissToast);
  useEffect(() => {
    if (toast.tone !== 'info') return;
    const timer = setTimeout(() => dismiss(toast.id), INFO_TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast, dismiss]);
  return (
    <li className="toast" data-tone={toast.tone} data-testid="toast">
      <p className="toast-text">{toast.message}</p>
      <button type="button" className="alert-dismiss" aria-label="Dismiss notification" onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </li>
  );
}

export function Toaster() {
  const toasts = useUiStore((store) => store.toasts);
  return (
    <section className="toaster" aria-label="Notifications" aria-live="assertive">
      <ol className="toast-list">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} />
        ))}
      </ol>
    </section>
  );
}
