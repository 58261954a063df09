import { useId, useState, type FormEvent } from 'react';
import { describeApiError, isApiError } from '../../../api/api-error';
import { useTranslate } from '../../../i18n';

type SignInFormProps = {
  onSignIn: (username: string, password: string) => Promise<void>;
};

export function SignInForm({ onSignIn }: SignInFormProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  const { t } = useTranslate();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    onSignIn(username.trim(), password)
      .catch((err: unknown) => {
        setError(isApiError(err, 401) ? t('signIn.wrong') : describeApiError(err));
        setPassword('');
      })
      .finally(() => setBusy(false));
  };

  return (
    <form className="sign-in" onSubmit={submit} aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">{t('signIn.title')}</h2>
      <label className="field">
        <span>{t('signIn.username')}</span>
        <input
          name="username"
          autoComplete="username"
          required
          value={username}
          onChange={(event) => setUsername(event.target.value)}
          aria-describedby={error ? errorId : undefined}
        />
      </label>
      <label className="field">
        <span>{t('signIn.password')}</span>
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          aria-describedby={error ? errorId : undefined}
        />
      </label>
      {error && (
        <p id={errorId} className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
        {t('signIn.submit')}
      </button>
    </form>
  );
}
