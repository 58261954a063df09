import { useCallback, useEffect, useRef, useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import { getResults, listExperiments, type Experiment, type ExperimentResults } from '../experiments-api';

export type Loaded<T> = { data: T | null; loading: boolean; error: string | null; reload: () => void };

/** Load `fetcher()` now and on `reload()`; answers to superseded requests are dropped. */
function useLoaded<T>(fetcher: (() => Promise<T>) | null): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [loading, setLoading] = useState(fetcher !== null);
  const [error, setError] = useState<string | null>(null);
  const request = useRef(0);

  const load = useCallback(() => {
    const id = ++request.current;
    if (fetcher === null) {
      setData(null);
      setLoading(false);
      return;
    }
    setLoading(true);
    setError(null);
    fetcher()
      .then((value) => {
        if (id === request.current) setData(value);
      })
      .catch((err: unknown) => {
        if (id === request.current) setError(describeApiError(err));
      })
      .finally(() => {
        if (id === request.current) setLoading(false);
      });
  }, [fetcher]);

  useEffect(() => {
    load();
    return () => {
      request.current += 1;
    };
  }, [load]);

  return { data, loading, error, reload: load };
}

export function useExperiments(): Loaded<Experiment[]> {
  return useLoaded(listExperiments);
}

export function useResults(id: string | null): Loaded<ExperimentResults> {
  const fetcher = useCallback(() => getResults(id ?? ''), [id]);
  return useLoaded(id === null ? null : fetcher);
}
