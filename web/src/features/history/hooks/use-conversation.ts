import { useCallback, useEffect, useState } from 'react';
import { describeApiError, isApiError } from '../../../api/api-error';
import { getConversation, type ConversationRecord } from '../history-api';

export type ConversationState =
  | { status: 'loading' }
  | { status: 'missing' }
  | { status: 'failed'; error: string }
  | { status: 'ready'; conversation: ConversationRecord };

export function useConversation(id: string): { state: ConversationState; reload: () => void } {
  const [state, setState] = useState<ConversationState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    getConversation(id)
      .then((conversation) => live && setState({ status: 'ready', conversation }))
      .catch((error: unknown) => {
        if (!live) return;
        setState(
          isApiError(error, 404) || isApiError(error, 422)
            ? { status: 'missing' }
            : { status: 'failed', error: describeApiError(error) },
        );
      });
    return () => {
      live = false;
    };
  }, [id, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { state, reload };
}
