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
