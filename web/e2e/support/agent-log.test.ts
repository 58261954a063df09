import { describe, expect, it } from 'vitest';
import { agentLinesBetween, jobDigest } from './agent-log';

const line = (at: string, job: string | undefined, message: string, extra: Record<string, string> = {}): string =>
  JSON.stringify({ timestamp: `2026-12-01T10:00:${at}+00:00`, pid: 7, job_id: job, message, ...extra });

const LOG = [
  line('01.000', 'AJ_old1', 'turn figures'), // before the window
  'not json: a stray print',
  line('02.000', 'AJ_old1', 'connection to LiveKit lost: reconnecting'),
  line('03.000', undefined, 'worker registered'),
  line('04.000', 'AJ_new2', 'received job request'),
  line('04.500', 'AJ_new2', 'track subscribed', { participant: 'local-abc', track: 'TR_1' }),
  line('05.000', 'AJ_old1', 'participant joined', { participant: 'agent-AJ_new2' }),
  line('05.100', 'AJ_old1', 'another agent serves the room: leaving it quietly'),
  line('06.000', 'AJ_new2', 'RoomIO linked to participant'),
  line('07.000', 'AJ_new2', 'typed message', { chars: '30' }),
  line('08.000', 'AJ_new2', 'llm timings'),
].join('\n');

const from = new Date('2026-12-01T10:00:02Z');
const to = new Date('2026-12-01T10:00:30Z');

describe('jobDigest', () => {
  it('puts each job’s room and turn events on one line, in order', () => {
    expect(jobDigest(LOG, from, to)).toBe('old1[lost +agent yields] new2[dispatched sub:user linked typed]');
  });

  it('says when no job logged anything in the window', () => {
    expect(jobDigest(LOG, new Date('2026-12-01T11:00:00Z'), new Date('2026-12-01T12:00:00Z'))).toBe('no job events');
  });
});

describe('agentLinesBetween', () => {
  it('keeps the window’s lines, short, with the job and the participant', () => {
    const lines = agentLinesBetween(LOG, from, new Date('2026-12-01T10:00:04.600Z'));
    expect(lines).toEqual([
      '10:00:02.000 7 old1 connection to LiveKit lost: reconnecting',
      '10:00:03.000 7 - worker registered',
      '10:00:04.000 7 new2 received job request',
      '10:00:04.500 7 new2 track subscribed participant=local-abc track=TR_1',
    ]);
  });
});
