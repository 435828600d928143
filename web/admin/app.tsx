import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { isStaffOf, signOut, type WebConfig } from '../api-client/session';
import { useAppSession } from '../api-client/use-app-session';
import { FlashSales } from './pages/flash-sales';
import { Overview } from './pages/overview';
import { AuthCallback } from './pages/auth-callback';
import { CONSOLE_REDIRECT_PATH, SignIn } from './pages/sign-in';

// Pages past the overview are loaded when visited.
const Products = lazy(() => import('./pages/products').then((m) => m.Products));
const ProductEditor = lazy(() => import('./pages/product-editor').then((m) => m.ProductEditor));
const ProductImport = lazy(() => import('./pages/product-import').then((m) => m.ProductImport));
const Inventory = lazy(() => import('./pages/inventory').then((m) => m.Inventory));
const Orders = lazy(() => import('./pages/orders').then((m) => m.Orders));
const OrderDetail = lazy(() => import('./pages/order').then((m) => m.OrderDetail));

/** The merchant console at /admin/: the shop's staff only (the API checks the token's group and shop). */
export function App() {
  const { config, failure, session } = useAppSession();
  if (failure) return <p role="alert">{failure}</p>;
  if (!config) return <p aria-busy="true">Loading…</p>;
  // The hosted UI's return (AWS) comes before the staff check: it is what makes the session.
  if (location.pathname === CONSOLE_REDIRECT_PATH) return <AuthCallback config={config} />;
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
            <ConsoleNav config={config} />
            <main id="main">
              <ErrorBoundary>
                <Router>
                  <Route path="/admin/" component={() => <Overview config={config} />} />
                  <Route path="/admin/products" component={() => <Products config={config} />} />
                  <Route path="/admin/products/new" component={() => <ProductEditor config={config} />} />
                  <Route path="/admin/products/imports/:importId?" component={({ importId }: { importId?: string }) => <ProductImport config={config} {...(importId ? { importId } : {})} />} />
                  <Route path="/admin/products/:productId" component={({ productId }: { productId: string }) => <ProductEditor config={config} productId={productId} />} />
                  <Route path="/admin/inventory/:sku?" component={({ sku }: { sku?: string }) => <Inventory config={config} {...(sku ? { sku } : {})} />} />
                  <Route path="/admin/orders" component={() => <Orders config={config} />} />
                  <Route path="/admin/orders/:orderId" component={({ orderId }: { orderId: string }) => <OrderDetail config={config} orderId={orderId} />} />
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

const SECTIONS: readonly { readonly href: string; readonly label: string }[] = [
  { href: '/admin/', label: 'Overview' },
  { href: '/admin/products', label: 'Products' },
  { href: '/admin/products/imports', label: 'Import' },
  { href: '/admin/inventory', label: 'Inventory' },
  { href: '/admin/orders', label: 'Orders' },
  { href: '/admin/flash-sales', label: 'Flash sales' },
];

/** The console's sections; the current one is marked for assistive technology. */
function ConsoleNav({ config }: { config: WebConfig }) {
  const { path } = useLocation();
  const current = SECTIONS.filter((s) => (s.href === '/admin/' ? path === '/admin/' || path === '/admin' : path === s.href || path.startsWith(`${s.href}/`))).at(-1);
  return (
    <nav aria-label="Console" class="console-nav">
      {SECTIONS.map((section) => (
        <a key={section.href} href={section.href} {...(current === section ? { 'aria-current': 'page' } : {})}>
          {section.label}
        </a>
      ))}
      {config.inboxUrl && (
        <a href={config.inboxUrl} target="_blank" rel="noreferrer">
          Email inbox (local)
        </a>
      )}
    </nav>
  );
}
