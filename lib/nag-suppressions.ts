import type { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';

/**
 * Every suppression says why. The infra test fails on any AwsSolutions finding not listed here, and
 * on any suppression that has no reason.
 */
export function applyNagSuppressions(stack: Stack): void {
  NagSuppressions.addStackSuppressions(stack, [
    {
      id: 'AwsSolutions-IAM4',
      reason:
        'AWSLambdaBasicExecutionRole is the AWS-maintained minimum for a Lambda to write its own logs; nothing broader is attached.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords only accept Resource "*"; GSI queries need <table>/index/*; Step Functions invokes ' +
        'the SLA Lambda by qualified ARN (<fn>:*), and EventBridge Scheduler the listeners likewise; the API stops executions of its own state machine whose names (complaint ids) are not known at deploy time.',
      appliesTo: [
        'Resource::*',
        'Resource::<DataTableFDBAD0F2.Arn>/index/*',
        'Resource::<SlaTimersStep4D6DCDB8.Arn>:*',
        'Resource::<ListeningFeedPoller9F2C4713.Arn>:*',
        'Resource::<ListeningXSearchC1CD3741.Arn>:*',
        { regex: '/^Resource::arn:<AWS::Partition>:states:.*:execution:.*:\\*$/g' },
      ],
    },
    {
      id: 'AwsSolutions-L1',
      reason:
        'Heed pins Node.js 22 (LTS) for all functions so local runs, tests and Lambda behave the same; the runtime is one constant in node-function.ts.',
    },
    {
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook secrets and the listening credentials are issued by X, Meta, Google and Trustpilot and cannot be rotated by a Lambda; rotation is manual, with old and new values accepted during a grace period (SECURITY.md § Rotating a secret).',
    },
    {
      id: 'AwsSolutions-COG8',
      reason:
        'The Plus feature plan is billed per active user; teams that want threat protection set it on the pool or bring their own issuer (heed.auth).',
    },
    {
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP) so teams can enrol at their pace; teams that need it enforced bring their own OIDC issuer (heed.auth).',
    },
  ]);
}

/** Webhook routes are public by necessity: each delivery is authenticated by the platform's HMAC signature. */
export const WEBHOOK_ROUTE_SUPPRESSION = {
  id: 'AwsSolutions-APIG4',
  reason:
    'Platforms (X, Meta, Standard Webhooks senders) cannot present our JWT; every request is authenticated by its HMAC signature in the ingest Lambda, and rejected with 401 otherwise.',
};
