import { useEffect, useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import { getAnalytics, type AnalyticsReport } from '../analytics-api';
import type { AnalyticsQuery } from '../analytics-data';

export type AnalyticsState =
  | { status: 'loading'; last: AnalyticsReport | null }
  | { status: 'failed'; error: string }
  | { status: 'ready'; report: AnalyticsReport };

/** The report for `query`; while a new one loads, the last one stays on screen. */
export function useAnalytics(query: AnalyticsQuery): AnalyticsState {
  const [state, setState] = useState<AnalyticsState>({ status: 'loading', last: null });
  const { from, to, scope, by } = query;

  useEffect(() => {
    let live = true;
    setState((previous) => ({ status: 'loading', last: previous.status === 'ready' ? previous.report : null }));
    getAnalytics({ from, to, scope, by })
      .then((report) => live && setState({ status: 'ready', report }))
      .catch((error: unknown) => live && setState({ status: 'failed', error: describeApiError(error) }));
    return () => {
      live = false;
    };
  }, [from, to, scope, by]);

  return state;
}
