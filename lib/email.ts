import { CfnOutput } from 'aws-cdk-lib';
import { CloudWatchDimensionSource, ConfigurationSet, EmailIdentity, EmailSendingEvent, EventDestination, type IConfigurationSet, Identity, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

/**
 * The SES message tag that splits the delivery metrics: the notifications tag every email with
 * its kind (`order-confirmed`, `order-shipped`...); an untagged email counts as `untagged`.
 */
export const EMAIL_METRICS_DIMENSION = 'type';

/** Delivery events turned into CloudWatch metrics (namespace AWS/SES, per configuration set). */
export const EMAIL_METRIC_EVENTS: readonly EmailSendingEvent[] = [
  EmailSendingEvent.SEND,
  EmailSendingEvent.DELIVERY,
  EmailSendingEvent.DELIVERY_DELAY,
  EmailSendingEvent.BOUNCE,
  EmailSendingEvent.COMPLAINT,
  EmailSendingEvent.REJECT,
  EmailSendingEvent.RENDERING_FAILURE,
];

/** What functions that send email are given. */
export interface EmailResource {
  /** The configuration set every email goes through (SES_CONFIGURATION_SET). */
  readonly configurationSet: IConfigurationSet;
  /** The verified identity (domain or address) functions may send as. @default none: any identity of the account */
  readonly identity?: string;
}

export interface EmailProps {
  /**
   * A domain (`shop.example.com`) or address (`orders@shop.example.com`) to verify in SES,
   * owned by this stack. A domain gets Easy DKIM: publish the three CNAME records of the
   * outputs; an address gets a verification email. Unless `identityExists`, the identity must not
   * already exist in the account and region (CloudFormation cannot adopt it).
   * @default none: functions may send as any verified identity of the account and region
   */
  readonly identity?: string;
  /**
   * The identity was verified outside this stack: use it (grants, SES_FROM_ADDRESS checks)
   * without creating it. Its default configuration set is then not set; the functions name
   * this stack's set on every email anyway.
   * @default false
   */
  readonly identityExists?: boolean;
}

/**
 * Outgoing email: one SES configuration set for every email of the stage (reputation metrics,
 * the account suppression list for bounces and complaints, delivery events as CloudWatch
 * metrics per email kind) and, when asked, the sending identity, with that configuration set
 * as its default so even an email sent without it is measured.
 */
export class Email extends Construct {
  readonly configurationSet: ConfigurationSet;
  readonly identity?: EmailIdentity;
  readonly resource: EmailResource;

  constructor(scope: Construct, id: string, props: EmailProps = {}) {
    super(scope, id);
    const name = props.identity?.trim();
    if (props.identity !== undefined && !isDomain(name ?? '') && !isAddress(name ?? '')) {
      throw new Error(`${this.node.path}: email identity "${props.identity}" must be a domain (shop.example.com) or an address (orders@shop.example.com)`);
    }

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.addEventDestination('Metrics', {
      destination: EventDestination.cloudWatchDimensions([{ name: EMAIL_METRICS_DIMENSION, source: CloudWatchDimensionSource.MESSAGE_TAG, defaultValue: 'untagged' }]),
      events: [...EMAIL_METRIC_EVENTS],
    });

    if (props.identityExists && !name) throw new Error(`${this.node.path}: identityExists needs an identity`);
    if (name && !props.identityExists) {
      const domain = isDomain(name);
      this.identity = new EmailIdentity(this, 'Identity', {
        identity: domain ? Identity.domain(name) : Identity.email(name),
        configurationSet: this.configurationSet,
      });
      if (domain) {
        this.identity.dkimRecords.forEach((record, i) => {
          new CfnOutput(this, `DkimRecord${i + 1}`, {
            value: `${record.name} CNAME ${record.value}`,
            description: `Easy DKIM record ${i + 1} of ${name}: publish it in the domain's DNS to verify the identity`,
          });
        });
      }
    }

    this.resource = { configurationSet: this.configurationSet, ...(name ? { identity: name } : {}) };
  }
}

function isDomain(value: string): boolean {
  return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(value);
}

function isAddress(value: string): boolean {
  const at = value.lastIndexOf('@');
  return at > 0 && !/\s/.test(value) && isDomain(value.slice(at + 1));
}
