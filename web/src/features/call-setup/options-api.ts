import { isApiError } from '../../api/api-error';
import { api, expectData, type ApiClient } from '../../api/client';
import type { CallOptions } from '../../api/types';

/** Personas, voices and defaults the backend offers; `null` when it offers no choice. */
export async function fetchCallOptions(client: ApiClient = api): Promise<CallOptions | null> {
  try {
    return expectData(await client.GET('/api/options'));
  } catch (error) {
    if (isApiError(error, 404)) return null;
    throw error;
  }
}
