import { useState } from 'preact/hooks';
import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { signOut, type Session, type WebConfig } from '../api-client/session';
import { useAppSession } from '../api-client/use-app-session';
import { Home } from './pages/home';
import { NotFound } from './pages/not-found';
import { cartCount, useCart } from './shop/cart';

// Pages other than the first are loaded when visited: the first page's JavaScript stays small.
const SignIn = lazy(() => import('./pages/sign-in').then((m) => m.SignIn));
const AuthCallback = lazy(() => import('./pages/auth-callback').then((m) => m.AuthCallback));
const Search = lazy(() => import('./pages/search').then((m) => m.Search));
const Category = lazy(() => import('./pages/category').then((m) => m.Category));
const ProductPage = lazy(() => import('./pages/product').then((m) => m.ProductPage));
const CartPage = lazy(() => import('./pages/cart').then((m) => m.CartPage));
const Checkout = lazy(() => import('./pages/checkout').then((m) => m.Checkout));
const Orders = lazy(() => import('./pages/orders').then((m) => m.Orders));
const OrderPage = lazy(() => import('./pages/order').then((m) => m.OrderPage));
const FlashSale = lazy(() => import('./pages/flash-sale').then((m) => m.FlashSale));

/** The storefront: one shop's catalog, cart, checkout, orders and flash sales, on the API's origin. */
export function App() {
  const { config, failure, session } = useAppSession();
  if (failure) return <p role="alert">{failure}</p>;
  if (!config) return <p aria-busy="true">Loading…</p>;
  return (
    <LocationProvider>
      <Header config={config} session={session} />
      <main id="main">
        <ErrorBoundary>
          <Router>
            <Route path="/" component={() => <Home config={config} />} />
            <Route path="/search" component={() => <Search config={config} />} />
            <Route path="/categories/:category" component={({ category }: { category: string }) => <Category config={config} category={category} />} />
            <Route path="/products/:productId" component={({ productId }: { productId: string }) => <ProductPage config={config} productId={productId} />} />
            <Route path="/cart" component={() => <CartPage config={config} />} />
            <Route path="/checkout" component={() => <Checkout config={config} />} />
            <Route path="/orders" component={() => <Orders config={config} />} />
            <Route path="/orders/:orderId" component={({ orderId }: { orderId: string }) => <OrderPage config={config} orderId={orderId} />} />
            <Route path="/sign-in" component={() => <SignIn config={config} />} />
            <Route path="/auth/callback" component={() => <AuthCallback config={config} />} />
            <Route path="/flash-sales/:saleId" component={({ saleId }: { saleId: string }) => <FlashSale config={config} saleId={saleId} />} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
    </LocationProvider>
  );
}

function Header({ config, session }: { config: WebConfig; session: Session | undefined }) {
  const { route, url, query: params } = useLocation();
  const [query, setQuery] = useState(url.startsWith('/search') ? (params.q ?? '') : '');
  const { cart } = useCart(config.shopId);
  const count = cartCount(cart);
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
        <a href="/cart" aria-label={`Cart, ${count} ${count === 1 ? 'item' : 'items'}`}>
          Cart ({count})
        </a>
        {session ? (
          <>
            <a href="/orders">My orders</a>
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
