import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { describeApiError } from '../api/api-error';
import { App } from '../app/app';
import { UI_STORAGE_KEY, useUiStore } from '../store/ui-store';
import { callOptions } from '../testing/api-fixtures';
import { server } from '../testing/msw-server';
import { en, type MessageKey } from './en';
import { languageName, pageLanguage, translate, TRANSLATIONS } from './translate';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the page text', () => {
  it('has the same keys in English and each translation, none missing, none extra', () => {
    const english = Object.keys(en).sort();
    for (const [language, messages] of Object.entries(TRANSLATIONS)) {
      const keys = Object.keys(messages).sort();
      expect(
        english.filter((key) => !keys.includes(key)),
        `${language}: in English, not in this translation`,
      ).toEqual([]);
      expect(
        keys.filter((key) => !english.includes(key)),
        `${language}: in this translation, not in English`,
      ).toEqual([]);
    }
  });

  it('has every English text in each translation, with the same placeholders', () => {
    for (const [language, messages] of Object.entries(TRANSLATIONS)) {
      for (const key of Object.keys(en) as MessageKey[]) {
        expect(messages[key].trim(), `${language} ${key}`).not.toBe('');
        expect(placeholders(messages[key]), `${language} ${key}`).toEqual(placeholders(en[key]));
      }
    }
  });

  it('words a failed request in the language picked when it failed', () => {
    expect(describeApiError(new TypeError('Failed to fetch'))).toBe('Could not reach the server.');
    useUiStore.getState().choose({ language: 'de' });
    expect(describeApiError(new TypeError('Failed to fetch'))).toBe('Der Server ist nicht erreichbar.');
    expect(describeApiError(42)).toBe('Etwas ist schiefgegangen.');
  });

  it('follows the call language where a translation exists, else English', () => {
    expect(pageLanguage('de')).toBe('de');
    expect(pageLanguage('de-AT')).toBe('de');
    expect(pageLanguage('fr')).toBe('en');
    expect(pageLanguage(null)).toBe('en');
    expect(translate('de')('app.notFound', { path: '#/x' })).toBe('Unter #/x gibt es nichts.');
    expect(translate('en')('app.notFound', { path: '#/x' })).toBe('Nothing at #/x.');
    expect(languageName('de', 'en')).toBe('German');
    expect(languageName('de', 'de')).toBe('Deutsch');
  });
});

describe('the language picker', () => {
  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    server.use(http.get('/api/options', () => HttpResponse.json({ ...callOptions, languages: ['en', 'de', 'fr'] })));
  });

  it('calls in the picked language, turns the page German and remembers the pick', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post('/api/conversations', async ({ request }) => {
        bodies.push(await request.json());
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    render(<App config={{ agentConnectTimeoutMs: 20_000 }} />);
    const user = userEvent.setup();

    const picker = await screen.findByRole('combobox', { name: 'Language' });
    expect(picker).toHaveValue('en');
    expect(within(picker).getAllByRole('option').map((o) => o.textContent)).toEqual(['English', 'German', 'French']);
    await user.selectOptions(picker, 'de');

    expect(screen.getByRole('heading', { name: 'Sprachassistent' })).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'Vor dem Anruf' })).toBeInTheDocument();
    expect(within(screen.getByRole('combobox', { name: 'Sprache' })).getAllByRole('option')[1]).toHaveTextContent(
      'Deutsch',
    );
    expect(screen.getByRole('textbox', { name: 'Nachricht' })).toHaveAttribute(
      'placeholder',
      'Verbinden, um Nachrichten zu senden',
    );
    expect(localStorage.getItem(UI_STORAGE_KEY)).toContain('"language":"de"');

    // French has no page translation: the page is English again
    await user.selectOptions(screen.getByRole('combobox', { name: 'Sprache' }), 'fr');
    expect(screen.getByRole('heading', { name: 'Voice Assistant' })).toBeInTheDocument();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Language' }), 'de');

    await user.click(screen.getByRole('button', { name: 'Verbinden' }));
    await waitFor(() => expect(bodies).toEqual([{ persona: 'assistant', voice: 'default', language: 'de' }]));
  });

  it('offers no picker when the backend offers one language', async () => {
    server.use(http.get('/api/options', () => HttpResponse.json(callOptions)));
    render(<App config={{ agentConnectTimeoutMs: 20_000 }} />);
    await screen.findByRole('combobox', { name: 'Persona' });
    expect(screen.queryByRole('combobox', { name: 'Language' })).not.toBeInTheDocument();
  });
});
