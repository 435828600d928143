import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Key prefix of product images: CloudFront forwards `/images/<key>` as the object key `images/<key>`. */
export const IMAGES_PREFIX = 'images/';

export interface MediaProps {
  /** How long access logs (S3 and CloudFront) are kept. @default Duration.days(90) */
  readonly logExpiration?: Duration;
  /** How long a replaced or deleted image stays recoverable. @default Duration.days(30) */
  readonly noncurrentImageExpiration?: Duration;
}

/**
 * Product images and the access-log bucket. They hold state, so they live in the stateful stack
 * while the distribution that serves them lives in the edge stack (lib/edge.ts).
 *
 * The images bucket is private (all public access blocked, TLS only, versioned, SSE-S3, server
 * access logs); CloudFront reads `images/*` through origin access control. Its bucket policy
 * admits CloudFront distributions of this account only, rather than the one distribution by id:
 * naming the distribution would make this stack depend on the edge stack that owns it
 * (the CDK makes the same trade for KMS key policies of OAC origins). Images are public
 * content, and creating a distribution takes administrator rights.
 */
export class Media extends Construct {
  readonly imagesBucket: IBucket;
  /** Server access logs of the images bucket (`s3/images/`) and CloudFront standard logs (`cloudfront/`). */
  readonly logsBucket: IBucket;

  constructor(scope: Construct, id: string, props: MediaProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    const logsBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      // CloudFront standard logging delivers through bucket ACLs, so ACLs stay enabled (objects remain private).
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: props.logExpiration ?? Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the destination of the access logs; logging its own access into itself would loop.',
    });

    const imagesBucket = new Bucket(this, 'Images', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      versioned: true,
      serverAccessLogsBucket: logsBucket,
      serverAccessLogsPrefix: 's3/images/',
      lifecycleRules: [{ noncurrentVersionExpiration: props.noncurrentImageExpiration ?? Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    imagesBucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudFrontOriginAccessControl',
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [imagesBucket.arnForObjects(`${IMAGES_PREFIX}*`)],
        conditions: {
          StringEquals: { 'AWS:SourceAccount': stack.account },
          ArnLike: { 'AWS:SourceArn': `arn:${stack.partition}:cloudfront::${stack.account}:distribution/*` },
        },
      }),
    );

    this.imagesBucket = imagesBucket;
    this.logsBucket = logsBucket;
  }
}
