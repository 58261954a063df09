export type { MessageKey, Messages } from './en';
export { formatDateTime, formatDay, formatNumber, formatPercent, formatTime } from './format';
export { languageName, pageLanguage, translate, TRANSLATIONS, type PageLanguage, type Translate } from './translate';
export { currentTranslate, useTranslate } from './use-translate';
