import { api, expectData, type ApiClient } from '../../api/client';
import type { AnalyticsReport } from '../../api/types';
import type { AnalyticsQuery } from './analytics-data';

export type { AnalyticsReport };

export async function getAnalytics(query: AnalyticsQuery, client: ApiClient = api): Promise<AnalyticsReport> {
  return expectData(await client.GET('/api/analytics', { params: { query } }));
}
