import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { mergeGuestCart } from '../shop/cart';
import { listLocalIdentities, signInLocally, startHostedSignIn, type LocalIdentity, type WebConfig } from '../../api-client/session';

/** Locally a "sign in as" picker of the demo's customers; in AWS, on to the Cognito hosted UI. */
export function SignIn({ config }: { config: WebConfig }) {
  const { route, query } = useLocation();
  const returnTo = query.returnTo?.startsWith('/') && !query.returnTo.startsWith('//') ? query.returnTo : '/';
  const [identities, setIdentities] = useState<LocalIdentity[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (config.auth.kind === 'local') listLocalIdentities().then(setIdentities, (e: Error) => setError(e.message));
  }, [config]);

  if (config.auth.kind === 'cognito') {
    const auth = config.auth;
    return (
      <section>
        <h1>Sign in</h1>
        <button type="button" onClick={() => void startHostedSignIn(auth, returnTo)}>
          Sign in
        </button>
      </section>
    );
  }
  return (
    <section>
      <h1>Sign in</h1>
      <p>Local demo: choose who you are. (In AWS this is the shop's sign-in page.)</p>
      {error && <p role="alert">{error}</p>}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const sub = new FormData(event.currentTarget).get('identity');
          if (typeof sub !== 'string') return setError('Choose an identity.');
          signInLocally(sub)
            // The guest cart joins the account cart ("store in localStorage and sync on login").
            .then(() => mergeGuestCart(config.shopId))
            .then(
              () => route(returnTo),
              (e: Error) => setError(e.message),
            );
        }}
      >
        <fieldset>
          <legend>Sign in as</legend>
          {identities?.map((identity, index) => (
            <label key={identity.sub}>
              <input type="radio" name="identity" value={identity.sub} defaultChecked={index === 0} /> {identity.name}
            </label>
          ))}
        </fieldset>
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}
