import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Aws, DockerImage, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { API_ROUTES, methodAndPath, type RouteKey } from '#api/routes.ts';
import { PROJECT_ROOT } from './node-function.ts';

/** How the page signs in: the stage's Cognito hosted UI (PKCE), or a pasted token. */
export type ConsoleAuth =
  | { mode: 'cognito'; domain: string; clientId: string; scopes: string }
  | { mode: 'token' };

/**
 * The console's Content-Security-Policy, in AWS (CloudFront) and on the twin alike: only its own
 * scripts and styles, the API on the same origin, and the sign-in domain for the token exchange.
 */
export function consoleContentSecurityPolicy(signInOrigin?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${signInOrigin ? ` ${signInOrigin}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The API's paths as CloudFront path patterns, from the route table: `/complaints*`, `/stats*`, … */
export function apiPathPatterns(): string[] {
  const firstSegments = Object.keys(API_ROUTES).map(
    (key) => methodAndPath(key as RouteKey).path.split('/')[1]!,
  );
  return [...new Set(firstSegments)].map((segment) =>
    segment.includes('.') ? `/${segment}` : `/${segment}*`,
  );
}

export interface ConsoleSiteProps {
  api: HttpApi;
}

/**
 * The console: the built page in a private bucket behind CloudFront (origin access control), with the
 * API's routes behind the same distribution (no caching, every viewer header), so the page calls its
 * own origin, as on the twin, and needs no CORS.
 */
export class ConsoleSite extends Construct {
  readonly distribution: Distribution;
  readonly bucket: Bucket;
  /** https://<distribution>: escalation links and the sign-in callback point here. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const apiOrigin = new HttpOrigin(`${props.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`);
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        // Lazy: the sign-in domain is known once publish() is called.
        contentSecurityPolicy: {
          contentSecurityPolicy: Lazy.string({
            produce: () => consoleContentSecurityPolicy(this.signInOrigin),
          }),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'Heed console and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
      additionalBehaviors: Object.fromEntries(
        apiPathPatterns().map((pattern) => [
          pattern,
          {
            origin: apiOrigin,
            viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
            allowedMethods: AllowedMethods.ALLOW_ALL,
            cachePolicy: CachePolicy.CACHING_DISABLED,
            originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          },
        ]),
      ),
    });
    this.url = `https://${this.distribution.distributionDomainName}`;
    NagSuppressions.addResourceSuppressions(
      this.distribution,
      [
        {
          id: 'AwsSolutions-CFR1',
          reason:
            'Agents work from anywhere (the on-call phone abroad); access is gated by sign-in, not geography.',
        },
        {
          id: 'AwsSolutions-CFR2',
          reason:
            'The page is static and every API call needs a JWT; the API stage is throttled. Teams that want WAF attach a web ACL to the distribution.',
        },
        {
          id: 'AwsSolutions-CFR3',
          reason:
            'The API keeps its own access log (HttpApiAccessLogs); the static page has nothing to log per request.',
        },
        {
          id: 'AwsSolutions-CFR4',
          reason:
            'The default *.cloudfront.net certificate (whose policy CloudFront fixes) is used until a team sets its own domain and certificate; browsers negotiate TLS 1.2+ with it.',
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'The bucket holds the built, public-by-design page and is only read by CloudFront through origin access control; there is nothing private to audit per object read.',
      },
    ]);
  }

  private signInOrigin?: string;

  /**
   * Builds the console (Vite, at synth: nothing to build by hand) and publishes it with its
   * config.json: how to sign in, the SLA warning point.
   */
  publish(config: { auth: ConsoleAuth; warningAt: number | null }): void {
    if (config.auth.mode === 'cognito') this.signInOrigin = config.auth.domain;
    const consoleDir = path.join(PROJECT_ROOT, 'console');
    const site = Source.asset(consoleDir, {
      exclude: ['dist', 'node_modules'],
      bundling: {
        image: DockerImage.fromRegistry('node:22-slim'),
        local: {
          tryBundle(outputDir: string) {
            execFileSync(
              process.execPath,
              [
                path.join(PROJECT_ROOT, 'node_modules/vite/bin/vite.js'),
                'build',
                '--config',
                path.join(consoleDir, 'vite.config.ts'),
                '--outDir',
                outputDir,
                '--emptyOutDir',
                '--logLevel',
                'warn',
              ],
              { stdio: ['ignore', 'ignore', 'inherit'], cwd: PROJECT_ROOT },
            );
            return true;
          },
        },
      },
    });
    new BucketDeployment(this, 'Publish', {
      destinationBucket: this.bucket,
      sources: [site, Source.jsonData('config.json', config)],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 256,
    });
    NagSuppressions.addResourceSuppressions(
      Stack.of(this),
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "CDK's BucketDeployment copies the built console from the CDK asset bucket (whose object keys are content hashes) into the console bucket and invalidates the distribution: its role needs <bucket>/* and CloudFront CreateInvalidation, which takes no resource ARN.",
          appliesTo: [
            'Action::s3:GetBucket*',
            'Action::s3:GetObject*',
            'Action::s3:List*',
            'Action::s3:DeleteObject*',
            'Action::s3:Abort*',
            { regex: '/^Resource::arn:<AWS::Partition>:s3:::cdk-.*\\/\\*$/g' },
            { regex: '/^Resource::<ConsoleFiles.*\\.Arn>\\/\\*$/g' },
          ],
        },
      ],
      true,
    );
  }
}
