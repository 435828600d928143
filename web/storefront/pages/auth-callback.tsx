import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { completeHostedSignIn, type WebConfig } from '../../api-client/session';
import { mergeGuestCart } from '../shop/cart';

/** Cognito's hosted UI comes back here (authorization code with PKCE): tokens, the guest cart merged, then on. */
export function AuthCallback({ config }: { config: WebConfig }) {
  const { route } = useLocation();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (config.auth.kind !== 'cognito') return setError('This shop signs in locally: use the sign-in page.');
    completeHostedSignIn(config.auth)
      .then(async (returnTo) => {
        await mergeGuestCart(config.shopId).catch(() => undefined);
        route(returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/', true);
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <section>
      <h1>Signing you in</h1>
      {error ? (
        <p role="alert">
          {error} <a href="/sign-in">Sign in again</a>
        </p>
      ) : (
        <p aria-busy="true">One moment…</p>
      )}
    </section>
  );
}
