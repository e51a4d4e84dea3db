// Cold start of each Lambda, as `npm run bench` measures it: the minified bundle NodeFunction builds
// (esbuild, ESM, the same options) and its import time in a fresh Node process, beside a floor bundle
// built the same way that imports only the AWS SDK clients that function's code uses.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync, type Metafile } from 'esbuild';
import { buildApp } from '../lib/app.ts';
import { HANDLER_METADATA, lambdaBuildOptions, PROJECT_ROOT } from '../lib/constructs/node-function.ts';
import type { CfnTemplate } from '../lib/local/template.ts';

/** The SDK client class of each package a handler may use. */
const CLIENTS: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/client-sqs': 'SQSClient',
  '@aws-sdk/client-sns': 'SNSClient',
  '@aws-sdk/client-sfn': 'SFNClient',
  '@aws-sdk/client-secrets-manager': 'SecretsManagerClient',
};

/**
 * The libraries the stack prescribes (Powertools, middy, zod), as a handler typically uses them: the
 * second floor, so what Heed's own code adds shows apart from what its stack costs.
 */
const STACK: { pkg: string; imports: string; init: string; middleware?: string }[] = [
  {
    pkg: '@aws-lambda-powertools/logger',
    imports:
      "import { Logger } from '@aws-lambda-powertools/logger'; import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';",
    init: 'const logger = new Logger();',
    middleware: 'injectLambdaContext(logger)',
  },
  {
    pkg: '@aws-lambda-powertools/metrics',
    imports:
      "import { Metrics } from '@aws-lambda-powertools/metrics'; import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';",
    init: "const metrics = new Metrics({ namespace: 'Heed' });",
    middleware: 'logMetrics(metrics)',
  },
  {
    pkg: '@aws-lambda-powertools/parameters',
    imports: "import { getSecret } from '@aws-lambda-powertools/parameters/secrets';",
    init: 'export const secret = () => getSecret("s");',
  },
  {
    pkg: 'zod',
    imports: "import * as z from 'zod';",
    init: 'const Event = z.object({ id: z.string() });',
  },
];

/** What the encoder brings (tfjs and its adapter): imported at the processor's first batch, not at init. */
const MODEL_RUNTIME = /node_modules\/@tensorflow\/|functions\/adapters\/sentence-encoder\//;

export interface ColdStart {
  handler: string;
  bundleBytes: number;
  floorBytes: number;
  initMs: number;
  floorInitMs: number;
  /** SDK clients and the stack's libraries the handler uses (STACK). */
  stackBytes: number;
  stackInitMs: number;
  /** Bytes of the triage model's runtime in the bundle (the processor's; lazily imported). */
  modelRuntimeBytes: number;
}

function bundle(entry: { file?: string; contents?: string }, outfile: string): Metafile {
  const result = buildSync({
    ...(entry.file
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents!, resolveDir: PROJECT_ROOT, loader: 'ts' } }),
    ...lambdaBuildOptions(),
    outfile,
    metafile: true,
  });
  return result.metafile!;
}

/** Import time of a bundle in a fresh Node process (ms), the median of `runs`. */
function initMs(file: string, environment: Record<string, string>, runs: number): number {
  const probe = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const times = Array.from({ length: runs }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        env: { ...process.env, ...environment, AWS_REGION: 'us-east-1', POWERTOOLS_METRICS_DISABLED: 'true' },
        encoding: 'utf8',
      })
        .trim()
        .split('\n')
        .pop(),
    ),
  ).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Every function of the synthesized stack, its environment (references replaced by plausible values). */
function functionsOfTemplate(): { entry: string; environment: Record<string, string> }[] {
  const { app, stack } = buildApp({
    nag: false,
    context: {
      'aws:cdk:bundling-stacks': [],
      heed: {
        stage: 'bench',
        listening: {
          feeds: [{ id: 'f', url: 'https://example.com/feed', brand: 'Acme' }],
          x: { keywords: ['acme'] },
          googleReviews: true,
        },
      },
    },
  });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[HANDLER_METADATA])
    .map((r) => {
      const variables = (r.Properties?.['Environment'] as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      const environment = Object.fromEntries(
        Object.entries(variables ?? {}).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : k.endsWith('_URL') ? 'https://example.com/queue' : `arn:aws:bench:us-east-1:0:${k}`,
        ]),
      );
      return { entry: String(r.Metadata![HANDLER_METADATA]), environment };
    });
}

export function coldStarts(runs = 5): ColdStart[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'heed-cold-'));
  return functionsOfTemplate().map(({ entry, environment }) => {
    const name = path.basename(entry, '.ts');
    const out = path.join(dir, `${name}.mjs`);
    const meta = bundle({ file: path.join(PROJECT_ROOT, entry) }, out);
    const packages = Object.keys(CLIENTS).filter((pkg) =>
      Object.keys(meta.inputs).some((input) => input.includes(`node_modules/${pkg}/`)),
    );
    // The floor: the same SDK clients, created as the handler creates them at init, nothing else.
    const floorOut = path.join(dir, `${name}.floor.mjs`);
    const contents = [
      ...packages.map((pkg) => `import { ${CLIENTS[pkg]} } from '${pkg}';`),
      `export const clients = [${packages.map((pkg) => `new ${CLIENTS[pkg]}({})`).join(', ')}];`,
      'export const handler = async () => clients.length;',
    ].join('\n');
    writeFileSync(path.join(dir, `${name}.floor.ts`), contents);
    bundle({ contents }, floorOut);
    // The stack floor: the same clients, and the prescribed libraries this handler bundles, set up.
    const uses = (pkg: string) => Object.keys(meta.inputs).some((input) => input.includes(`node_modules/${pkg}/`));
    const stack = STACK.filter((lib) => uses(lib.pkg));
    const middleware = stack.flatMap((lib) => (lib.middleware ? [`.use(${lib.middleware})`] : []));
    const stackContents = [
      ...packages.map((pkg) => `import { ${CLIENTS[pkg]} } from '${pkg}';`),
      ...(uses('@middy/core') ? ["import middy from '@middy/core';"] : []),
      ...stack.map((lib) => lib.imports),
      ...stack.map((lib) => lib.init),
      `export const clients = [${packages.map((pkg) => `new ${CLIENTS[pkg]}({})`).join(', ')}];`,
      uses('@middy/core')
        ? `export const handler = middy(async () => clients.length)${middleware.join('')};`
        : 'export const handler = async () => clients.length;',
    ].join('\n');
    const stackOut = path.join(dir, `${name}.stack.mjs`);
    bundle({ contents: stackContents }, stackOut);
    const output = Object.values(meta.outputs)[0]!;
    return {
      handler: entry,
      bundleBytes: statSync(out).size,
      floorBytes: statSync(floorOut).size,
      stackBytes: statSync(stackOut).size,
      initMs: initMs(out, environment, runs),
      floorInitMs: initMs(floorOut, environment, runs),
      stackInitMs: initMs(stackOut, environment, runs),
      modelRuntimeBytes: Object.entries(output.inputs)
        .filter(([input]) => MODEL_RUNTIME.test(input))
        .reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0),
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(coldStarts());
