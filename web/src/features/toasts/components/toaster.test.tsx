import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useUiStore } from '../../../store/ui-store';
import { INFO_TOAST_MS, Toaster } from './toaster';

describe('Toaster', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('closes info toasts by itself and keeps errors until dismissed', () => {
    vi.useFakeTimers();
    render(<Toaster />);
    act(() => {
      useUiStore.getState().pushToast('Conversation deleted.', 'info');
      useUiStore.getState().pushToast('Assistant error (llm): timed out');
    });
    expect(screen.getAllByTestId('toast')).toHaveLength(2);
    expect(screen.getByRole('region', { name: 'Notifications' })).toHaveAttribute('aria-live', 'assertive');

    act(() => {
      vi.advanceTimersByTime(INFO_TOAST_MS);
    });
    expect(screen.getAllByTestId('toast').map((toast) => toast.dataset.tone)).toEqual(['error']);
  });
});
