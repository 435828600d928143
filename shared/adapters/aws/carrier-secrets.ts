import { secretSource } from '#shared/config';
import type { CarrierSecrets } from '#shared/webhooks/webhooks-ports';
import { secrets as secretsManager } from './secrets';

/**
 * Each carrier's webhook secret: in AWS a Secrets Manager JSON object by carrier name
 * (cached five minutes, so a rotated secret is picked up without a deploy); on the local stage
 * one secret for every carrier (LOCAL_CARRIER_SECRET). Made at cold start: outside the local
 * stage, a function without the secret's ARN fails there with a ConfigError.
 */
export function carrierSecrets(): CarrierSecrets {
  const source = secretSource('CARRIER_SECRETS_ARN', (settings) => settings.LOCAL_CARRIER_SECRET);
  if ('value' in source) return async () => source.value;
  return async (carrier) => {
    const secrets = (await secretsManager().get(source.arn, { transform: 'json', maxAge: 300 })) as Record<string, string> | undefined;
    return secrets?.[carrier];
  };
}
