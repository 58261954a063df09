import { memo } from 'react';
import { useTranslate, type Translate } from '../../../i18n';
import { formatMs, type LatencyRow } from '../latency-rows';
import { LatencyChart } from './latency-chart';

type LatencyPanelProps = {
  /** Oldest first, as `buildLatencyRows` returns them; shown newest first. */
  rows: ReadonlyArray<LatencyRow>;
};

function turnLabel(t: Translate, row: LatencyRow): string {
  if (row.turn === null) return '…';
  return row.isGreeting ? t('latency.greeting', { turn: String(row.turn) }) : String(row.turn);
}

/** Memoised: the call page renders on every transcript update while the agent speaks; the
 * panel only when its rows change. */
export const LatencyPanel = memo(function LatencyPanel({ rows }: LatencyPanelProps) {
  const newestFirst = [...rows].reverse();
  const { t } = useTranslate();
  return (
    <section className="latency" aria-label={t('latency.title')}>
      <h2 className="latency-title">{t('latency.title')}</h2>
      {rows.length === 0 ? (
        <p className="latency-empty">{t('latency.empty')}</p>
      ) : (
        <>
          <LatencyChart rows={rows} />
          <div className="latency-table-wrap">
            <table className="latency-table">
              <caption className="visually-hidden">{t('latency.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('latency.turn')}</th>
                  <th scope="col" title={t('latency.youFeltHint')}>
                    {t('latency.youFelt')}
                  </th>
                  <th scope="col" title={t('latency.agentE2eHint')}>
                    {t('latency.agentE2e')}
                  </th>
                  <th scope="col" title={t('latency.sttHint')}>
                    {t('latency.stt')}
                  </th>
                  <th scope="col">{t('latency.llm')}</th>
                  <th scope="col">{t('latency.tts')}</th>
                </tr>
              </thead>
              <tbody>
                {newestFirst.map((row) => (
                  <tr
                    key={row.key}
                    data-testid="latency-row"
                    data-turn={row.turn ?? undefined}
                    data-pending={row.turn === null ? 'true' : undefined}
                    data-interrupted={row.interrupted ? 'true' : undefined}
                    data-greeting={row.isGreeting ? 'true' : undefined}
                  >
                    <th scope="row">
                      {turnLabel(t, row)}
                      {row.interrupted && <span className="latency-tag"> {t('latency.interrupted')}</span>}
                    </th>
                    <td data-testid="latency-browser-ms">{formatMs(row.browserMs)}</td>
                    <td data-testid="latency-e2e-ms">{formatMs(row.e2eMs)}</td>
                    <td>{formatMs(row.sttMs)}</td>
                    <td>{formatMs(row.llmMs)}</td>
                    <td>{formatMs(row.ttsMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="latency-note">{t('latency.note')}</p>
        </>
      )}
    </section>
  );
});
