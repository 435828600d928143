import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { listSentEmails, startSes, type LocalSes } from '#bin/local/ses';
import { dynamoSentOnce } from '#shared/adapters/dynamodb/sent-once-store';
import { MailNotSentError, type Mailer } from '#shared/notifications/notification-ports';
import { makeNotifyOrderEvent } from '#shared/notifications/notify-order-event';
import type { Order, OrderPlacement } from '#shared/orders/order';

/** The SES mailer against the local SES server (aws-ses-v2-local), wired as a handler wires it. */
let ses: LocalSes;
let mailer: Mailer;
const run = randomBytes(4).toString('hex');

beforeAll(async () => {
  ses = await startSes();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    SES_CONFIGURATION_SET: 'order-emails',
  });
  (await import('#shared/config')).resetConfig();
  // The module-scope SES client reads its endpoint when first imported: after the environment is set.
  mailer = (await import('#shared/adapters/ses/ses-mailer')).sesMailerFromConfig();
});

afterAll(async () => {
  (await import('#shared/adapters/ses/client')).ses.destroy();
  await ses?.stop();
});

const since = () => Math.floor(Date.now() / 1000);

describe('SES mailer', () => {
  it('delivers the email to the local inbox with subject, text and HTML', async () => {
    const start = since();
    const { messageId } = await mailer.send({
      to: 'alice@example.com',
      from: 'orders@demo-shop.local',
      subject: `Order ord_${run} confirmed — thank you`,
      text: 'Total: €57.48',
      html: '<p>Total: <strong>€57.48</strong></p>',
      tags: { type: 'order-confirmed', shopId: 'demo', orderId: `ord_${run}` },
    });
    expect(messageId).toBeTruthy();
    const email = (await listSentEmails(ses.endpoint, start)).find((e) => e.messageId === messageId);
    expect(email).toMatchObject({
      from: 'orders@demo-shop.local',
      destination: { to: ['alice@example.com'], cc: [], bcc: [] },
      subject: `Order ord_${run} confirmed — thank you`,
      body: { text: 'Total: €57.48', html: '<p>Total: <strong>€57.48</strong></p>' },
    });
  });

  it('names the configuration set and sends tags in the characters SES allows', async () => {
    // The local inbox keeps neither: read them off the request the SDK sends.
    const { sesMailer } = await import('#shared/adapters/ses/ses-mailer');
    const client = new SESv2Client({ endpoint: ses.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const inputs: Array<Record<string, unknown>> = [];
    client.middlewareStack.add((next) => async (args) => (inputs.push(args.input as Record<string, unknown>), next(args)), { step: 'initialize' });
    await sesMailer(client, { configurationSet: 'order-emails' }).send({ to: 'a@example.com', from: 'orders@demo-shop.local', subject: 's', text: 't', html: 'h', tags: { orderId: 'ord:1/a b' } });
    await sesMailer(client).send({ to: 'a@example.com', from: 'orders@demo-shop.local', subject: 's', text: 't', html: 'h' });
    client.destroy();
    expect(inputs[0]).toMatchObject({ ConfigurationSetName: 'order-emails', EmailTags: [{ Name: 'orderId', Value: 'ord_1_a_b' }] });
    expect(inputs[1]).not.toHaveProperty('ConfigurationSetName');
    expect(inputs[1]).not.toHaveProperty('EmailTags');
  });

  it('turns a refusal SES answered into MailNotSentError', async () => {
    // The local server refuses an email without From address, as SES does.
    await expect(mailer.send({ to: 'alice@example.com', from: '', subject: 's', text: 't', html: '<p>h</p>' })).rejects.toBeInstanceOf(MailNotSentError);
  });

  it('passes a network failure on as it is: the email may have gone out', async () => {
    const gone = await startSes();
    await gone.stop();
    const { sesMailer } = await import('#shared/adapters/ses/ses-mailer');
    const client = new SESv2Client({ endpoint: gone.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    const error = await sesMailer(client)
      .send({ to: 'a@example.com', from: 'orders@demo-shop.local', subject: 's', text: 't', html: 'h' })
      .catch((e: unknown) => e);
    client.destroy();
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MailNotSentError);
  });
});

describe('order emails through DynamoDB Local and the local SES', () => {
  it('sends one email for an event delivered ten times at once', async () => {
    const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
    await ensureTables(client, tables);
    const usd = (amount: number) => ({ amount, currency: 'USD' });
    const placement: OrderPlacement = {
      customerId: 'bob',
      email: `bob-${run}@example.com`,
      lines: [{ sku: 'TEE', title: 'Tee', quantity: 1, unitPrice: usd(1_000), lineTotal: usd(1_000) }],
      totals: { subtotal: usd(1_000), total: usd(1_000) },
      shippingAddress: { name: 'Bob', line1: '2 Side St', city: 'Shelbyville', postalCode: '54321', country: 'US' },
      ...{ source: 'cart' as const, reservationIds: ['res_1'], paymentIntentId: 'pi_1' },
    };
    const order: Order = { shopId: 'demo', orderId: `ord_${run}`, status: 'SHIPPED', placement, events: [], createdAt: new Date().toISOString() };
    const notify = makeNotifyOrderEvent({
      orders: { load: async () => order },
      mailer,
      sentOnce: dynamoSentOnce(DynamoDBDocumentClient.from(client), tables.idempotency),
      fromAddress: 'orders@demo-shop.local',
    });
    const start = since();
    const event = { shopId: 'demo', orderId: order.orderId, seq: 4, status: 'SHIPPED' as const, data: { carrier: 'UPS', trackingNumber: `1Z${run}` } };
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => notify(event)));
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1);
    const inbox = (await listSentEmails(ses.endpoint, start)).filter((e) => e.destination.to.includes(placement.email));
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.subject).toBe(`Your order ord_${run} has shipped`);
    expect(inbox[0]!.body.text).toContain(`Tracking number: 1Z${run}`);
    expect(inbox[0]!.body.html).toContain(`1Z${run}`);
    client.destroy();
  });
});
