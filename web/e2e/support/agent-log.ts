/** Reading the stack's agent log (the worker's JSON lines) for a failed browser test. */

type AgentLine = { timestamp?: string; message?: string; pid?: number; job_id?: string; [key: string]: unknown };

/** At most this many of the agent's lines per failed test (the newest kept). */
const MAX_LINES = 150;
const MAX_CHARS = 220;

/** The worker's entries logged between `from` and `to`, in order. */
function entriesBetween(log: string, from: Date, to: Date): AgentLine[] {
  const entries: AgentLine[] = [];
  for (const raw of log.split('\n')) {
    let entry: AgentLine;
    try {
      entry = JSON.parse(raw) as AgentLine;
    } catch {
      continue; // not one of the worker's JSON lines
    }
    const at = entry.timestamp === undefined ? NaN : Date.parse(entry.timestamp);
    if (at >= from.getTime() && at <= to.getTime()) entries.push(entry);
  }
  return entries;
}

/** What the agent logged between `from` and `to`, one short line each: time, process, job, message. */
export function agentLinesBetween(log: string, from: Date, to: Date): string[] {
  const lines = entriesBetween(log, from, to).map((entry) => {
    const message = String(entry.message ?? '').split('\n')[0];
    const extra = ['participant', 'agent', 'track', 'reason', 'error'].filter((key) => key in entry).map((key) => `${key}=${String(entry[key])}`);
    const job = entry.job_id === undefined ? '-' : entry.job_id.slice(-4);
    return `${entry.timestamp!.slice(11, 23)} ${entry.pid ?? '-'} ${job} ${[message, ...extra].join(' ')}`.slice(0, MAX_CHARS);
  });
  return lines.slice(-MAX_LINES);
}

// the job's room and turn events, each as a word (room_connection.py, single_agent.py,
// typed_input.py, the framework's own lines); `who`: followed by `user` or `agent`
const EVENTS: { pattern: RegExp; word: string; who?: true }[] = [
  { pattern: /^received job request/, word: 'dispatched' },
  { pattern: /^RoomIO linked to participant/, word: 'linked' },
  { pattern: /^connection to LiveKit lost/, word: 'lost' },
  { pattern: /^connection to LiveKit back/, word: 'back' },
  { pattern: /^participant joined/, word: '+', who: true },
  { pattern: /^participant left/, word: '-', who: true },
  { pattern: /^track subscribed/, word: 'sub:', who: true },
  { pattern: /^another agent serves the room/, word: 'yields' },
  { pattern: /^typed message$/, word: 'typed' },
  { pattern: /^turn figures/, word: 'turn' },
  { pattern: /^disconnected/, word: 'disconnected' },
  { pattern: /^process exiting/, word: 'exit' },
];

/**
 * Each job's room and turn events since `from`, on one line, for a failure message (a CI
 * run keeps the end of its output): `a1b2[lost back +agent yields exit] c3d4[dispatched
 * linked sub:user turn typed turn]`.
 */
export function jobDigest(log: string, from: Date, to: Date = new Date()): string {
  const jobs = new Map<string, string[]>();
  for (const entry of entriesBetween(log, from, to)) {
    const event = EVENTS.find(({ pattern }) => pattern.test(String(entry.message ?? '')));
    if (entry.job_id === undefined || event === undefined) continue;
    const who = String(entry.participant ?? '').startsWith('agent-') ? 'agent' : 'user';
    const job = entry.job_id.slice(-4);
    jobs.set(job, [...(jobs.get(job) ?? []), event.who ? event.word + who : event.word]);
  }
  if (jobs.size === 0) return 'no job events';
  return [...jobs].map(([job, words]) => `${job}[${words.join(' ')}]`).join(' ');
}
