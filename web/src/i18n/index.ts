export type { MessageKey, Messages } from './en';
export { languageName, pageLanguage, translate, TRANSLATIONS, type PageLanguage, type Translate } from './translate';
export { useTranslate } from './use-translate';
