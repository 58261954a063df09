import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { e2eEnv } from './stack-env';

/** At most this many of the agent's lines per failed test (the newest kept). */
const MAX_LINES = 150;
const MAX_CHARS = 220;

type AgentLine = { timestamp?: string; message?: string; pid?: number; job_id?: string; [key: string]: unknown };

/** What the agent logged between `from` and `to`, one short line each: time, process, job, message. */
export function agentLinesBetween(log: string, from: Date, to: Date): string[] {
  const lines: string[] = [];
  for (const raw of log.split('\n')) {
    let entry: AgentLine;
    try {
      entry = JSON.parse(raw) as AgentLine;
    } catch {
      continue; // not one of the worker's JSON lines
    }
    const at = entry.timestamp === undefined ? NaN : Date.parse(entry.timestamp);
    if (!(at >= from.getTime() && at <= to.getTime())) continue;
    const message = String(entry.message ?? '').split('\n')[0];
    const extra = ['participant', 'agent', 'track', 'reason', 'error'].filter((key) => key in entry).map((key) => `${key}=${String(entry[key])}`);
    const job = entry.job_id === undefined ? '-' : entry.job_id.slice(-4);
    lines.push(`${entry.timestamp!.slice(11, 23)} ${entry.pid ?? '-'} ${job} ${[message, ...extra].join(' ')}`.slice(0, MAX_CHARS));
  }
  return lines.slice(-MAX_LINES);
}

/**
 * On a failed test, prints what the stack's agent logged while it ran: a CI run keeps its
 * output, not the stack's log files, and a flaky failure rarely shows twice. The whole logs
 * are copied beside the test's trace too.
 */
export default class StackLogReporter implements Reporter {
  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === 'passed' || result.status === 'skipped') return;
    const logs = path.join(e2eEnv.stateDir, 'logs');
    const agentLog = path.join(logs, 'agent.log');
    if (!fs.existsSync(agentLog)) return;
    const end = new Date(result.startTime.getTime() + result.duration);
    const lines = agentLinesBetween(fs.readFileSync(agentLog, 'utf8'), result.startTime, end);
    console.log(`\nthe agent's log while "${test.title}" ran (time, process, job, message):\n${lines.join('\n')}\n`);
    const trace = result.attachments.find((a) => a.path !== undefined)?.path;
    if (trace !== undefined) fs.cpSync(logs, path.join(path.dirname(trace), 'stack-logs'), { recursive: true });
  }
}
