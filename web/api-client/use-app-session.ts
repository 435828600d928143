import { useEffect, useState } from 'preact/hooks';
import { currentSession, loadConfig, onSessionChange, type Session, type WebConfig } from './session';

/** What both apps need first: `/config.json` (or why it failed to load) and the signed-in user, kept current. */
export function useAppSession(): { readonly config?: WebConfig; readonly failure?: string; readonly session?: Session } {
  const [config, setConfig] = useState<WebConfig>();
  const [failure, setFailure] = useState<string>();
  const [session, setSession] = useState<Session | undefined>(currentSession());
  useEffect(() => {
    loadConfig().then(setConfig, (error: Error) => setFailure(error.message));
    return onSessionChange(setSession);
  }, []);
  return { ...(config ? { config } : {}), ...(failure ? { failure } : {}), ...(session ? { session } : {}) };
}
