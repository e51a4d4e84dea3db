import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../app.ts';
import { PROJECT_ROOT } from '../constructs/node-function.ts';
import type { CfnTemplate } from './template.ts';

/** The CDK context the twin synthesizes with: cdk.json's, with `extraContext` laid over it. */
export function stageContext(extraContext: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return { ...cdkJson.context, ...extraContext };
}

/**
 * Synthesizes the very app `cdk deploy` uses, in-process, with the cdk.json context, skipping only
 * asset bundling (the twin runs the handler sources directly).
 */
export function synthesizeTemplate(extraContext: Record<string, unknown> = {}): {
  template: CfnTemplate;
  stackName: string;
} {
  const { app, stack } = buildApp({
    nag: false,
    outdir: undefined,
    context: { ...stageContext(extraContext), 'aws:cdk:bundling-stacks': [] },
  });
  const assembly = app.synth();
  return {
    template: assembly.getStackByName(stack.stackName).template as CfnTemplate,
    stackName: stack.stackName,
  };
}
