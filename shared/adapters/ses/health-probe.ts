import { GetAccountCommand } from '@aws-sdk/client-sesv2';
import type { DependencyProbe } from '#shared/platform/check-health';
import { ses } from './client';

/** The probe of SES, when this function sends email: GetAccount. */
export function sesProbe(env: NodeJS.ProcessEnv): DependencyProbe | undefined {
  if (!env.SES_FROM_ADDRESS) return undefined;
  return { name: 'ses', check: async () => void (await ses.send(new GetAccountCommand({}))) };
}
