import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, type CfnFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Bundled CommonJS dependencies call require() and read __dirname (tfjs's wasm backend does): give the
 * ESM bundle real ones.
 */
export const ESM_BANNER = [
  "import { createRequire as __heedCreateRequire } from 'module';",
  "import { fileURLToPath as __heedFileURLToPath } from 'url';",
  "import { dirname as __heedDirname } from 'path';",
  'const require = __heedCreateRequire(import.meta.url);',
  'const __filename = __heedFileURLToPath(import.meta.url);',
  'const __dirname = __heedDirname(__filename);',
].join(' ');

/** CloudFormation metadata key the local twin reads to find the handler module of a function. */
export const HANDLER_METADATA = 'heed:handler';

/** The runtime every function targets; esbuild's name for it. */
const TARGET = 'node22';
const MAIN_FIELDS = ['module', 'main'];
/**
 * Left out of every bundle: tfjs requires node-fetch only where Node has no global fetch (Node 22
 * has), and the encoder reads its files from disk anyway; bundled, it and its URL tables were 290 kB.
 */
const EXTERNAL_MODULES = ['node-fetch'];

/**
 * esbuild options that bundle a handler as NodeFunction does (for the tools that rebuild a bundle to
 * measure or run it outside CDK: the infrastructure test, bench/cold-start.ts).
 */
export function lambdaBuildOptions(target = TARGET) {
  return {
    bundle: true,
    minify: true,
    format: 'esm' as const,
    platform: 'node' as const,
    target,
    mainFields: MAIN_FIELDS,
    external: EXTERNAL_MODULES,
    banner: { js: ESM_BANNER },
    logLevel: 'silent' as const,
  };
}

export interface NodeFunctionProps
  extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'architecture' | 'logGroup'> {
  /** Handler module name under functions/handlers/, e.g. `ingest`. */
  handlerName: string;
  logRetention: RetentionDays;
  /** Files (absolute paths under the project) copied into folders beside the bundle, e.g. model weights. */
  besideBundle?: { folder: string; files: string[] }[];
}

/**
 * The one way Heed builds a Lambda: arm64, Node.js 22, ESM, minified with source maps, AWS SDK bundled
 * (pinned, no runtime surprise), an explicit log group with retention, JSON logs and X-Ray tracing.
 */
export class NodeFunction extends NodejsFunction {
  readonly logGroupResource: LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    const { handlerName, logRetention, environment, bundling, besideBundle, ...rest } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const entry = `functions/handlers/${handlerName}.ts`;
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'heed',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: TARGET,
        mainFields: MAIN_FIELDS,
        externalModules: EXTERNAL_MODULES,
        banner: ESM_BANNER,
        ...(besideBundle && { commandHooks: copyBesideBundle(besideBundle) }),
        ...bundling,
      },
      ...rest,
    });
    this.logGroupResource = logGroup;
    (this.node.defaultChild as CfnFunction).addMetadata(HANDLER_METADATA, entry);
  }
}

/** Bundling hooks that copy files beside the bundle (paths relative to the project, so they hold in any bundling image). */
function copyBesideBundle(folders: { folder: string; files: string[] }[]) {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      folders.flatMap(({ folder, files }) => [
        `mkdir -p "${outputDir}/${folder}"`,
        ...files.map(
          (file) => `cp "${inputDir}/${path.relative(PROJECT_ROOT, file)}" "${outputDir}/${folder}/"`,
        ),
      ]),
  };
}
