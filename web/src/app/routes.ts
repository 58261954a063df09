/** The page's routes, kept in the URL hash so the backend serves one static page. */
export type Route =
  | { name: 'call' }
  | { name: 'history' }
  | { name: 'analytics' }
  | { name: 'experiments' }
  | { name: 'conversation'; id: string }
  | { name: 'not-found'; path: string };

const CONVERSATION = /^\/history\/([A-Za-z0-9-]{1,64})\/?$/;

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/') return { name: 'call' };
  if (path === '/history' || path === '/history/') return { name: 'history' };
  if (path === '/analytics' || path === '/analytics/') return { name: 'analytics' };
  if (path === '/experiments' || path === '/experiments/') return { name: 'experiments' };
  const match = CONVERSATION.exec(path);
  if (match?.[1]) return { name: 'conversation', id: match[1] };
  return { name: 'not-found', path };
}

export function routeHref(route: Exclude<Route, { name: 'not-found' }>): string {
  switch (route.name) {
    case 'call':
      return '#/';
    case 'history':
      return '#/history';
    case 'analytics':
      return '#/analytics';
    case 'experiments':
      return '#/experiments';
    case 'conversation':
      return `#/history/${encodeURIComponent(route.id)}`;
  }
}
