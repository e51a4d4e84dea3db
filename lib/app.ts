import { App, type AppProps, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig } from './config/stage-config.ts';
import { applyNagSuppressions } from './nag-suppressions.ts';
import { HeedStack } from './stacks/heed-stack.ts';

/** Builds the deployable app; used by bin/app.ts (cdk) and by the local twin and tests (in-process synth). */
export function buildApp(props: AppProps & { nag?: boolean } = {}) {
  const { nag = true, ...appProps } = props;
  const app = new App(appProps);
  const config = loadStageConfig(app.node);
  const stack = new HeedStack(app, `Heed-${config.stage}`, {
    config,
    description: 'Heed: no social-media complaint goes unanswered',
    // The cdk CLI always sets the region (from the profile, else us-east-1); in-process synths (the
    // twin, tests) use the same fallback. A region-bound stack is required by the table's
    // customer-managed key (its per-replica encryption names the region).
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1' },
  });
  applyNagSuppressions(stack);
  if (nag) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack, config };
}
