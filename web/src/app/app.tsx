import { env, type Env } from '../config/env';
import { AnalyticsPage } from '../features/analytics/components/analytics-page';
import { SignInForm } from '../features/auth/components/sign-in-form';
import { useAuth } from '../features/auth/hooks/use-auth';
import { ExperimentsPage } from '../features/experiments/components/experiments-page';
import { ConversationView } from '../features/history/components/conversation-view';
import { HistoryPage } from '../features/history/components/history-page';
import { Toaster } from '../features/toasts/components/toaster';
import { useUiStore } from '../store/ui-store';
import { CallPage } from './call-page';
import { routeHref, type Route } from './routes';
import { useHashRoute } from './use-hash-route';
import { useTranslate } from '../i18n';

type AppProps = {
  config?: Pick<Env, 'agentConnectTimeoutMs'>;
};

export function App({ config = env }: AppProps) {
  const auth = useAuth();
  const route = useHashRoute();
  const pushToast = useUiStore((store) => store.pushToast);
  const { t } = useTranslate();

  if (auth.state.status === 'loading') {
    return (
      <main className="app-shell">
        <p role="status">{t('app.loading')}</p>
      </main>
    );
  }
  if (auth.state.status === 'failed') {
    return (
      <main className="app-shell">
        <div className="alert">
          <p className="alert-text" role="alert">
            {t('app.serverUnreachable', { error: auth.state.error })}
          </p>
          <button type="button" className="button button-primary" onClick={auth.retry}>
            {t('app.retry')}
          </button>
        </div>
      </main>
    );
  }

  // In the local no-login mode the backend names a built-in user; there is nothing to sign out of.
  const user = auth.state.session.auth_required ? auth.state.session.user : null;
  const operator = auth.state.session.user?.operator === true;
  return (
    <main className="app-shell">
      <header className="app-header">
        <h1 id="app-title">{t('app.title')}</h1>
        {!auth.mustSignIn && (
          <nav aria-label={t('app.mainNav')}>
            <NavLink route={route} to={{ name: 'call' }} label={t('app.navCall')} />
            <NavLink route={route} to={{ name: 'history' }} label={t('app.navHistory')} />
            {operator && (
              <NavLink route={route} to={{ name: 'analytics' }} label={t('app.navAnalytics')} />
            )}
            {operator && (
              <NavLink route={route} to={{ name: 'experiments' }} label={t('app.navExperiments')} />
            )}
          </nav>
        )}
        {user && (
          <div className="user-menu">
            <span className="user-name">{user.name}</span>
            <button
              type="button"
              className="button button-secondary"
              onClick={() => {
                auth.signOut().catch(() => pushToast(t('app.signOutFailed')));
              }}
            >
              {t('app.signOut')}
            </button>
          </div>
        )}
      </header>
      {auth.mustSignIn ? (
        <SignInForm onSignIn={auth.signIn} />
      ) : (
        <>
          <CallPage config={config} hidden={route.name !== 'call'} />
          {route.name === 'history' && <HistoryPage />}
          {route.name === 'analytics' && <AnalyticsPage operator={operator} />}
          {route.name === 'conversation' && <ConversationView key={route.id} id={route.id} />}
          {route.name === 'experiments' &&
            (operator ? <ExperimentsPage /> : <p role="alert">{t('app.operatorsOnly')}</p>)}
          {route.name === 'not-found' && (
            <p role="alert">
              {t('app.notFound', { path: route.path })} <a href={routeHref({ name: 'call' })}>{t('app.backToCall')}</a>
            </p>
          )}
        </>
      )}
      <Toaster />
    </main>
  );
}

type NavTarget =
  | { name: 'call' }
  | { name: 'history' }
  | { name: 'analytics' }
  | { name: 'experiments' };

function NavLink({ route, to, label }: { route: Route; to: NavTarget; label: string }) {
  const current = route.name === to.name || (to.name === 'history' && route.name === 'conversation');
  return (
    <a className="nav-link" href={routeHref(to)} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
}
