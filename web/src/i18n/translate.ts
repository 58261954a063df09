import { de } from './de';
import { en, type MessageKey, type Messages } from './en';

/** The page's languages: English, and each translation. */
export const TRANSLATIONS = { en, de } as const satisfies Record<string, Messages>;
export type PageLanguage = keyof typeof TRANSLATIONS;
export type Translate = (key: MessageKey, values?: Record<string, string>) => string;

/** The page's language for a call language ("de-AT" -> "de"): English where none exists. */
export function pageLanguage(callLanguage: string | null | undefined): PageLanguage {
  const base = (callLanguage ?? 'en').split('-')[0]?.toLowerCase() ?? 'en';
  return base in TRANSLATIONS ? (base as PageLanguage) : 'en';
}

/** `translate('de')('app.notFound', { path: '#/x' })`: the text with its values filled in. */
export function translate(language: PageLanguage): Translate {
  const messages: Messages = TRANSLATIONS[language];
  return (key, values) =>
    messages[key].replace(/\{(\w+)\}/g, (match, name: string) => values?.[name] ?? match);
}

/** A language's own name in the page's language ("de" in English: "German"); the code where
 * the browser cannot name it. */
export function languageName(code: string, language: PageLanguage): string {
  try {
    return new Intl.DisplayNames([language], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}
