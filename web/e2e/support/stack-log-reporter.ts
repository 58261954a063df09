import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { agentLinesBetween } from './agent-log';
import { e2eEnv } from './stack-env';

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
