import { formatMs, type LatencyRow } from '../latency-rows';
import { LatencyChart } from './latency-chart';

type LatencyPanelProps = {
  /** Oldest first, as `buildLatencyRows` returns them; shown newest first. */
  rows: ReadonlyArray<LatencyRow>;
};

function turnLabel(row: LatencyRow): string {
  if (row.turn === null) return '…';
  return row.isGreeting ? `${row.turn} (greeting)` : String(row.turn);
}

export function LatencyPanel({ rows }: LatencyPanelProps) {
  const newestFirst = [...rows].reverse();
  return (
    <section className="latency" aria-label="Latency">
      <h2 className="latency-title">Latency</h2>
      {rows.length === 0 ? (
        <p className="latency-empty">Figures appear after each reply.</p>
      ) : (
        <>
          <LatencyChart rows={rows} />
          <div className="latency-table-wrap">
            <table className="latency-table">
              <caption className="visually-hidden">
                Latency per turn in milliseconds, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Turn</th>
                  <th scope="col" title="End of your speech to the first agent audio, measured here">
                    You felt
                  </th>
                  <th scope="col" title="Agent clock: end of speech to agent audio out">
                    Agent e2e
                  </th>
                  <th scope="col" title="End of speech to transcript">
                    STT
                  </th>
                  <th scope="col">LLM first token</th>
                  <th scope="col">TTS first byte</th>
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
                      {turnLabel(row)}
                      {row.interrupted && <span className="latency-tag"> interrupted</span>}
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
          <p className="latency-note">All figures in ms; “—” when not measured.</p>
        </>
      )}
    </section>
  );
}
