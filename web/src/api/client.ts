import createClient, { type Middleware } from 'openapi-fetch';
import { ApiError, readDetail } from './api-error';
import type { paths } from './schema';

/** The one place HTTP errors are handled: any non-2xx answer rejects with an `ApiError`. */
const throwOnError: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw new ApiError(response.status, await readDetail(response));
    return undefined;
  },
};

export function createApiClient(baseUrl = globalThis.location?.origin ?? '') {
  const client = createClient<paths>({
    baseUrl,
    // Looked up per call, so test interceptors installed after import still apply.
    fetch: (request: Request) => globalThis.fetch(request),
    credentials: 'same-origin',
  });
  client.use(throwOnError);
  return client;
}

export type ApiClient = ReturnType<typeof createApiClient>;

export const api: ApiClient = createApiClient();

/** The body of a successful answer (the middleware already rejected the others). */
export function expectData<T>(result: { data?: T; response: Response }): T {
  if (result.data === undefined) {
    throw new ApiError(result.response.status, 'empty response');
  }
  return result.data;
}
