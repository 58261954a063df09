import { useEffect, useState } from 'react';
import { describeApiError } from '../../../api/api-error';
import type { CallOptions } from '../../../api/types';
import { useUiStore } from '../../../store/ui-store';
import { fetchCallOptions } from '../options-api';

export type CallOptionsState = {
  options: CallOptions | null;
  error: string | null;
  loading: boolean;
};

/** Loads the offered personas, voices and languages once; a stored choice the backend no longer
 * offers becomes its default. */
export function useCallOptions(): CallOptionsState {
  const [state, setState] = useState<CallOptionsState>({ options: null, error: null, loading: true });
  const choose = useUiStore((store) => store.choose);

  useEffect(() => {
    let live = true;
    fetchCallOptions()
      .then((options) => {
        if (!live) return;
        setState({ options, error: null, loading: false });
        if (!options) return;
        const { choice } = useUiStore.getState();
        const known = (list: { id: string }[], id: string | null) => list.some((item) => item.id === id);
        choose({
          persona: known(options.personas, choice.persona) ? choice.persona : options.defaults.persona,
          voice: known(options.voices, choice.voice) ? choice.voice : options.defaults.voice,
          language:
            choice.language && options.languages.includes(choice.language) ? choice.language : options.defaults.language,
        });
      })
      .catch((error: unknown) => {
        if (live) setState({ options: null, error: describeApiError(error), loading: false });
      });
    return () => {
      live = false;
    };
  }, [choose]);

  return state;
}
