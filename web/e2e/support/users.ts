import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { e2eEnv } from './stack-env';

/** `python -m app users …` against the e2e stack's database (the backend reads it per request). */
export function manageUser(command: 'add' | 'delete', name: string, password = ''): void {
  const result = spawnSync(e2eEnv.python, ['-m', 'app', 'users', command, name], {
    cwd: e2eEnv.repoRoot,
    input: `${password}\n`,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: `sqlite:///${path.join(e2eEnv.stateDir, 'backend.db')}` },
  });
  if (result.status !== 0) throw new Error(`users ${command} ${name} failed: ${result.stderr}`);
}
