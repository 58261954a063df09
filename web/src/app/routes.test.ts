import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from './routes';

describe('parseRoute', () => {
  it.each([
    ['', { name: 'call' }],
    ['#', { name: 'call' }],
    ['#/', { name: 'call' }],
    ['#/history', { name: 'history' }],
    ['#/history/', { name: 'history' }],
    ['#/experiments', { name: 'experiments' }],
    ['#/analytics', { name: 'analytics' }],
    ['#/history/4f1c-9a', { name: 'conversation', id: '4f1c-9a' }],
    ['#/history/a/b', { name: 'not-found', path: '/history/a/b' }],
    ['#/nope', { name: 'not-found', path: '/nope' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('round-trips the hrefs it builds', () => {
    for (const route of [
      { name: 'call' },
      { name: 'history' },
      { name: 'experiments' },
      { name: 'analytics' },
      { name: 'conversation', id: 'abc-1' },
    ] as const) {
      expect(parseRoute(routeHref(route))).toEqual(route);
    }
  });
});
