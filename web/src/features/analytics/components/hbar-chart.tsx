import { formatNumber, useTranslate } from '../../../i18n';
import { niceMax } from '../analytics-data';

export type HBar = { label: string; parts: { value: number; className: string; name: string }[] };

/** Horizontal stacked bars, one per row (errors and fallbacks by source, ratings). */
export function HBarChart({ rows, label, testId }: { rows: readonly HBar[]; label: string; testId: string }) {
  const { t, language } = useTranslate();
  if (rows.length === 0) return <p className="empty">{t('analytics.noneInRange')}</p>;
  const said = (part: { value: number; name: string }) => `${formatNumber(language, part.value)} ${part.name}`;
  const top = niceMax(Math.max(...rows.map((row) => row.parts.reduce((s, p) => s + p.value, 0))));
  return (
    <ul className="hbars" aria-label={label} data-testid={testId}>
      {rows.map((row) => (
        <li key={row.label} className="hbar-row">
          <span className="hbar-label">{row.label}</span>
          <span className="hbar-track">
            {row.parts.map((part) =>
              part.value > 0 ? (
                <span
                  key={part.name}
                  className={`hbar ${part.className}`}
                  style={{ width: `${(part.value / top) * 100}%` }}
                  title={said(part)}
                />
              ) : null,
            )}
          </span>
          <span className="hbar-value">{row.parts.map(said).join(', ')}</span>
        </li>
      ))}
    </ul>
  );
}
