import fs from 'node:fs';
import path from 'node:path';
import { e2eEnv } from './stack-env';

/** The command line of a process (empty when it is gone or not ours to read). */
function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The pid of the e2e stack's livekit-server: scripts/stack.py starts it as
 * `livekit-server --config <state dir>/livekit.yaml`, so the config path names this stack's
 * one (Linux /proc; the harness's own view, not the product's). Null while none runs.
 */
export function livekitServerPid(): number | null {
  const config = path.join(e2eEnv.stateDir, 'livekit.yaml');
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = cmdline(Number(entry));
    if (argv.at(-1) === config && argv.at(-2) === '--config' && argv[0]?.endsWith('livekit-server')) {
      return Number(entry);
    }
  }
  return null;
}
