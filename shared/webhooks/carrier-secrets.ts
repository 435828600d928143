import { secrets as secretsManager } from '#shared/adapters/aws/secrets';
import { config } from '#shared/config';

/**
 * Each carrier's webhook secret: in AWS a Secrets Manager JSON object by carrier name
 * (cached five minutes, so a rotated secret is picked up without a deploy); locally one
 * secret for every carrier (LOCAL_CARRIER_SECRET).
 */
export async function carrierSecret(carrier: string): Promise<string | undefined> {
  const { CARRIER_SECRETS_ARN, LOCAL_CARRIER_SECRET } = config();
  if (!CARRIER_SECRETS_ARN) return LOCAL_CARRIER_SECRET;
  const secrets = (await secretsManager().get(CARRIER_SECRETS_ARN, { transform: 'json', maxAge: 300 })) as Record<string, string> | undefined;
  return secrets?.[carrier];
}
