import { currentTranslate } from '../i18n';

/** A non-2xx answer from the backend, with its `detail` when the body carries one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`HTTP ${status}: ${detail}`);
  }
}

/** FastAPI errors are `{"detail": "..."}` (or a list of validation errors). */
export async function readDetail(response: Response): Promise<string> {
  try {
    const body: unknown = await response.clone().json();
    if (typeof body === 'object' && body !== null && 'detail' in body) {
      const { detail } = body;
      if (typeof detail === 'string') return detail;
      if (Array.isArray(detail)) return 'invalid request';
    }
  } catch {
    // not JSON: fall through
  }
  return response.statusText || 'request failed';
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

/** One sentence for people, whatever failed. */
export function describeApiError(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof TypeError) return currentTranslate()('api.unreachable');
  return error instanceof Error ? error.message : currentTranslate()('api.unknown');
}
