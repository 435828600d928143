import { SendEmailCommand, SESv2Client, SESv2ServiceException } from '@aws-sdk/client-sesv2';
import { config } from '#shared/config';
import { sesSender } from './client';
import { MailNotSentError, type Mailer } from '#shared/notifications/notification-ports';

export interface SesMailerOptions {
  /** SES configuration set (event destinations, suppression) of every email. @default none */
  readonly configurationSet?: string;
}

/**
 * The Mailer on SES v2 SendEmail (simple content, UTF-8 text and HTML parts). A refusal that
 * SES answered (a client fault such as MessageRejected or throttling, or 503) is
 * MailNotSentError: nothing went out. A network error or another server fault is
 * passed on as it is, since the email may have been accepted.
 */
export function sesMailer(client: SESv2Client, options: SesMailerOptions = {}): Mailer {
  return {
    async send({ to, from, subject, text, html, tags = {} }) {
      const utf8 = (Data: string) => ({ Data, Charset: 'UTF-8' });
      const emailTags = Object.entries(tags).map(([name, value]) => ({ Name: tagText(name), Value: tagText(value) }));
      try {
        const sent = await client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [to] },
            Content: { Simple: { Subject: utf8(subject), Body: { Text: utf8(text), Html: utf8(html) } } },
            ...(emailTags.length > 0 ? { EmailTags: emailTags } : {}),
            ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
          }),
        );
        if (!sent.MessageId) throw new Error('SES accepted the email without a MessageId');
        return { messageId: sent.MessageId };
      } catch (error) {
        if (error instanceof SESv2ServiceException && (error.$fault === 'client' || error.$metadata.httpStatusCode === 503)) {
          throw new MailNotSentError(`SES refused the email: ${error.name}: ${error.message}`, { cause: error });
        }
        throw error;
      }
    },
  };
}

/** The process's mailer: the shared SES client and the configuration set of SES_CONFIGURATION_SET. */
export function sesMailerFromConfig(): Mailer {
  const { SES_CONFIGURATION_SET } = config();
  // One attempt per send (sesSender): an SDK retry after a request that did reach SES would send
  // the email twice; a refusal is retried by the use case, which releases its claim first.
  return sesMailer(sesSender, SES_CONFIGURATION_SET ? { configurationSet: SES_CONFIGURATION_SET } : {});
}

/** SES message tags take ASCII letters, digits, `_` and `-` only, up to 256 characters. */
function tagText(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';
}
