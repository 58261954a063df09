import { useMemo } from 'react';
import { useUiStore } from '../store/ui-store';
import { pageLanguage, translate, type PageLanguage, type Translate } from './translate';

/** The page's text in the language picked for the call (English where no translation is). */
export function useTranslate(): { t: Translate; language: PageLanguage } {
  const picked = useUiStore((store) => store.choice.language);
  return useMemo(() => {
    const language = pageLanguage(picked);
    return { t: translate(language), language };
  }, [picked]);
}

/** The page's text as it is now, for code outside components (an API error's fallback text). */
export function currentTranslate(): Translate {
  return translate(pageLanguage(useUiStore.getState().choice.language));
}
