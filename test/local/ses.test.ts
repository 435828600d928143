import { SESClient, SendEmailCommand as SendEmailV1Command } from '@aws-sdk/client-ses';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSentEmails, startSes, type LocalSes } from '#bin/local/ses';

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

describe('local SES', () => {
  let ses: LocalSes;
  let v2: SESv2Client;
  let v1: SESClient;
  const run = Math.random().toString(36).slice(2);

  beforeAll(async () => {
    ses = await startSes();
    v2 = new SESv2Client(clientConfig(ses.endpoint));
    v1 = new SESClient(clientConfig(ses.endpoint));
  });

  afterAll(async () => {
    v1?.destroy();
    v2?.destroy();
    await ses?.stop();
  });

  it('listens on 127.0.0.1 and serves the inbox page', async () => {
    expect(ses.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ses.inboxUrl).toBe(`${ses.endpoint}/`);
    const page = await fetch(ses.inboxUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('keeps what SES v2 SendEmail sends', async () => {
    const since = Math.floor(Date.now() / 1000);
    const sent = await v2.send(
      new SendEmailCommand({
        FromEmailAddress: 'shop@example.com',
        Destination: { ToAddresses: ['buyer@example.com'], CcAddresses: ['cc@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: `Order confirmed ${run}` },
            Body: { Text: { Data: 'Thanks for your order' }, Html: { Data: '<p>Thanks for your order</p>' } },
          },
        },
      }),
    );
    expect(sent.MessageId).toBeTruthy();
    const emails = await listSentEmails(ses.endpoint, since);
    const email = emails.find((e) => e.subject === `Order confirmed ${run}`);
    expect(email).toMatchObject({
      messageId: sent.MessageId,
      from: 'shop@example.com',
      destination: { to: ['buyer@example.com'], cc: ['cc@example.com'], bcc: [] },
      body: { text: 'Thanks for your order', html: '<p>Thanks for your order</p>' },
    });
    expect(email!.at).toBeGreaterThanOrEqual(since);
  });

  it('keeps what SES v1 SendEmail sends', async () => {
    const sent = await v1.send(
      new SendEmailV1Command({
        Source: 'shop@example.com',
        Destination: { ToAddresses: ['buyer@example.com'] },
        Message: { Subject: { Data: `Shipped ${run}` }, Body: { Text: { Data: 'It is on its way' } } },
      }),
    );
    expect(sent.MessageId).toBeTruthy();
    const email = (await listSentEmails(ses.endpoint)).find((e) => e.subject === `Shipped ${run}`);
    expect(email).toMatchObject({ messageId: sent.MessageId, from: 'shop@example.com', destination: { to: ['buyer@example.com'] }, body: { text: 'It is on its way' } });
  });

  it('filters by time', async () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    expect(await listSentEmails(ses.endpoint, future)).toEqual([]);
  });

  it('refuses a port that is taken, and stops', async () => {
    const port = Number(new URL(ses.endpoint).port);
    await expect(startSes({ port })).rejects.toThrow(/could not listen/);
    const other = await startSes();
    await other.stop();
    await expect(fetch(other.inboxUrl)).rejects.toThrow();
  });
});

describe('SES account (health probe)', () => {
  it('answers GetAccount like SES v2', async () => {
    const { SESv2Client, GetAccountCommand } = await import('@aws-sdk/client-sesv2');
    const { startSes } = await import('../../bin/local/ses');
    const local = await startSes();
    try {
      const client = new SESv2Client({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const account = await client.send(new GetAccountCommand({}));
      expect(account.SendingEnabled).toBe(true);
      expect(account.ProductionAccessEnabled).toBe(true);
    } finally {
      await local.stop();
    }
  });
});
