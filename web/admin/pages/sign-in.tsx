import { useEffect, useState } from 'preact/hooks';
import { listLocalIdentities, signInLocally, startHostedSignIn, type LocalIdentity, type Session, type WebConfig } from '../../api-client/session';

/** Where the hosted UI sends staff back (a callback URL of the stack's web client, lib/identity.ts). */
export const CONSOLE_REDIRECT_PATH = '/admin/auth/callback';

/** Staff sign-in: locally a picker of the demo shop's staff, in AWS the Cognito hosted UI. */
export function SignIn({ config, signedInAs }: { config: WebConfig; signedInAs: Session | undefined }) {
  const [identities, setIdentities] = useState<LocalIdentity[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (config.auth.kind === 'local')
      listLocalIdentities().then(
        (all) => setIdentities(all.filter((i) => i.role === 'staff')),
        (e: Error) => setError(e.message),
      );
  }, [config]);
  const notStaff = signedInAs && <p role="alert">{signedInAs.email ?? signedInAs.sub} is not staff of this shop. Sign in as a member of its staff.</p>;
  if (config.auth.kind === 'cognito') {
    const auth = config.auth;
    return (
      <section>
        <h1>Sign in to the console</h1>
        {notStaff}
        <button type="button" onClick={() => void startHostedSignIn(auth, location.pathname, CONSOLE_REDIRECT_PATH)}>
          Sign in
        </button>
      </section>
    );
  }
  return (
    <section>
      <h1>Sign in to the console</h1>
      {notStaff}
      {error && <p role="alert">{error}</p>}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const sub = new FormData(event.currentTarget).get('identity');
          if (typeof sub !== 'string') return setError('Choose a member of staff.');
          signInLocally(sub).catch((e: Error) => setError(e.message));
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
