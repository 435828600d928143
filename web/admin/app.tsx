import { useEffect, useState } from 'preact/hooks';
import { ErrorBoundary, LocationProvider, Route, Router } from 'preact-iso';
import { currentSession, isStaffOf, loadConfig, onSessionChange, signOut, type Session, type WebConfig } from '../api-client/session';
import { FlashSales } from './pages/flash-sales';
import { Overview } from './pages/overview';
import { SignIn } from './pages/sign-in';

/** The merchant console at /admin/: the shop's staff only (the API checks the token's group and shop). */
export function App() {
  const [config, setConfig] = useState<WebConfig>();
  const [failure, setFailure] = useState<string>();
  const [session, setSession] = useState<Session | undefined>(currentSession());
  useEffect(() => {
    loadConfig().then(setConfig, (error: Error) => setFailure(error.message));
    return onSessionChange(setSession);
  }, []);
  if (failure) return <p role="alert">{failure}</p>;
  if (!config) return <p aria-busy="true">Loading…</p>;
  const staff = isStaffOf(session, config.shopId);
  return (
    <LocationProvider scope="/admin">
      <div class="console">
        <header class="console-header">
          <a class="brand" href="/admin/">
            {config.shopId} · Merchant console
          </a>
          {session && (
            <span class="who">
              {session.email ?? session.sub}{' '}
              <button type="button" onClick={() => signOut()}>
                Sign out
              </button>
            </span>
          )}
        </header>
        {staff ? (
          <div class="console-body">
            <nav aria-label="Console" class="console-nav">
              <a href="/admin/">Overview</a>
              <a href="/admin/flash-sales">Flash sales</a>
            </nav>
            <main id="main">
              <ErrorBoundary>
                <Router>
                  <Route path="/admin/" component={() => <Overview config={config} />} />
                  <Route path="/admin/flash-sales/:saleId?" component={({ saleId }: { saleId?: string }) => <FlashSales config={config} {...(saleId ? { saleId } : {})} />} />
                  <Route default component={() => <p>This page does not exist.</p>} />
                </Router>
              </ErrorBoundary>
            </main>
          </div>
        ) : (
          <main id="main">
            <SignIn config={config} signedInAs={session} />
          </main>
        )}
      </div>
    </LocationProvider>
  );
}
