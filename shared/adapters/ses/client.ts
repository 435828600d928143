import { SESv2Client } from '@aws-sdk/client-sesv2';

/** One SES client per process (AWS_ENDPOINT_URL_SESV2 points it at the local server). */
export const ses = new SESv2Client({ maxAttempts: 3 });
