import { useEffect, useState } from 'preact/hooks';
import { completeHostedSignIn, type WebConfig } from '../../api-client/session';
import { CONSOLE_REDIRECT_PATH } from './sign-in';

/** AWS: the hosted UI's return to the console: the code is traded for tokens, then back to the page that asked. */
export function AuthCallback({ config }: { config: WebConfig }) {
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (config.auth.kind !== 'cognito') return setError('This console signs in locally: there is no hosted sign-in to come back from.');
    completeHostedSignIn(config.auth, CONSOLE_REDIRECT_PATH).then(
      (returnTo) => location.replace(returnTo.startsWith('/admin') ? returnTo : '/admin/'),
      (e: Error) => setError(e.message),
    );
  }, [config]);
  return (
    <section>
      <h1>Signing in…</h1>
      {error && (
        <p role="alert">
          {error} <a href="/admin/">Back to the console</a>
        </p>
      )}
    </section>
  );
}
