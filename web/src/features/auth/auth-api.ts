import { isApiError } from '../../api/api-error';
import { api, expectData, type ApiClient } from '../../api/client';
import type { AuthSession, AuthUser } from '../../api/types';

/** What a backend without sign-in support (no /api/auth routes) amounts to. */
export const NO_AUTH: AuthSession = { auth_required: false, user: null };

export async function fetchAuthSession(client: ApiClient = api): Promise<AuthSession> {
  try {
    return expectData(await client.GET('/api/auth/session'));
  } catch (error) {
    if (isApiError(error, 404)) return NO_AUTH;
    throw error;
  }
}

export async function logIn(username: string, password: string, client: ApiClient = api): Promise<AuthUser> {
  return expectData(await client.POST('/api/auth/login', { body: { username, password } })).user;
}

export async function logOut(client: ApiClient = api): Promise<void> {
  await client.POST('/api/auth/logout');
}
