import { useCallback, useEffect, useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import type { AuthSession } from '../../../api/types';
import { fetchAuthSession, logIn, logOut } from '../auth-api';

export type AuthState =
  | { status: 'loading' }
  | { status: 'failed'; error: string }
  | { status: 'ready'; session: AuthSession };

export type Auth = {
  state: AuthState;
  /** Whether the page must show the sign-in form instead of the app. */
  mustSignIn: boolean;
  retry: () => void;
  /** Rejects with an `ApiError` (401: wrong name or password). */
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
};

export function useAuth(): Auth {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    fetchAuthSession()
      .then((session) => live && setState({ status: 'ready', session }))
      .catch((error: unknown) => live && setState({ status: 'failed', error: describeApiError(error) }));
    return () => {
      live = false;
    };
  }, [generation]);

  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setGeneration((n) => n + 1);
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const user = await logIn(username, password);
    setState({ status: 'ready', session: { auth_required: true, user } });
  }, []);

  const signOut = useCallback(async () => {
    await logOut();
    setGeneration((n) => n + 1);
  }, []);

  const mustSignIn =
    state.status === 'ready' && state.session.auth_required && state.session.user === null;
  return { state, mustSignIn, retry, signIn, signOut };
}
