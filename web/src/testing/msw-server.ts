import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { callOptions, openSession } from './api-fixtures';

/** The backend as the web client sees it by default; tests override routes with `server.use`. */
export const defaultHandlers = [
  http.get('/api/auth/session', () => HttpResponse.json(openSession)),
  http.get('/api/options', () => HttpResponse.json(callOptions)),
  http.get('/api/conversations', () => HttpResponse.json({ items: [], next_cursor: null })),
  http.get('/api/conversations/:id/files', () => HttpResponse.json([])),
  http.post('/api/metrics/client-latency', () => new HttpResponse(null, { status: 204 })),
];

export const server = setupServer(...defaultHandlers);
