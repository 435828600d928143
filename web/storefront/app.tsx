import { useEffect, useState } from 'preact/hooks';
import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { currentSession, loadConfig, onSessionChange, signOut, type Session, type WebConfig } from '../api-client/session';
import { Home } from './pages/home';
import { NotFound } from './pages/not-found';

// Pages other than the first are loaded when visited: the first page's JavaScript stays small.
const SignIn = lazy(() => import('./pages/sign-in').then((m) => m.SignIn));
const FlashSale = lazy(() => import('./pages/flash-sale').then((m) => m.FlashSale));

/** The storefront: one shop's catalog, cart, checkout, orders and flash sales, on the API's origin. */
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
  return (
    <LocationProvider>
      <Header config={config} session={session} />
      <main id="main">
        <ErrorBoundary>
          <Router>
            <Route path="/" component={() => <Home config={config} />} />
            <Route path="/sign-in" component={() => <SignIn config={config} />} />
            <Route path="/flash-sales/:saleId" component={({ saleId }: { saleId: string }) => <FlashSale config={config} saleId={saleId} />} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
    </LocationProvider>
  );
}

function Header({ config, session }: { config: WebConfig; session: Session | undefined }) {
  const { route, url } = useLocation();
  const [query, setQuery] = useState('');
  return (
    <header class="site-header">
      <a class="brand" href="/">
        {config.shopId === 'demo' ? 'Demo Outfitters' : config.shopId}
      </a>
      <form
        role="search"
        class="search"
        onSubmit={(event) => {
          event.preventDefault();
          if (query.trim()) route(`/search?q=${encodeURIComponent(query.trim())}`);
        }}
      >
        <input type="search" aria-label="Search" placeholder="Search the shop" value={query} onInput={(event) => setQuery(event.currentTarget.value)} />
      </form>
      <nav aria-label="Account">
        {session ? (
          <>
            <span class="who">{session.email ?? session.sub}</span>
            <button type="button" onClick={() => signOut()}>
              Sign out
            </button>
          </>
        ) : (
          <a class="button" href={`/sign-in?returnTo=${encodeURIComponent(url)}`}>
            Sign in
          </a>
        )}
      </nav>
    </header>
  );
}
