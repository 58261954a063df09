import { api, type ApiClient } from '../../api/client';
import type { ClientLatency } from '../../api/types';

export type { ClientLatency };

/**
 * Report one browser-measured turn latency. Fire and forget: a failure (an older backend,
 * the network) is dropped on purpose; the figure is still on screen.
 */
export function postClientLatency(body: ClientLatency, client: ApiClient = api): void {
  client.POST('/api/metrics/client-latency', { body }).catch(() => undefined);
}
