import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, type CfnFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** CloudFormation metadata key the local twin reads to find the handler module of a function. */
export const HANDLER_METADATA = 'heed:handler';

export interface NodeFunctionProps
  extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'architecture' | 'logGroup'> {
  /** Handler module name under functions/handlers/, e.g. `ingest`. */
  handlerName: string;
  logRetention: RetentionDays;
}

/**
 * The one way Heed builds a Lambda: arm64, Node.js 22, ESM, minified with source maps, AWS SDK bundled
 * (pinned, no runtime surprise), an explicit log group with retention, JSON logs and X-Ray tracing.
 */
export class NodeFunction extends NodejsFunction {
  readonly logGroupResource: LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    const { handlerName, logRetention, environment, bundling, ...rest } = props;
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
        target: 'node22',
        mainFields: ['module', 'main'],
        externalModules: [],
        // Some bundled CommonJS dependencies call require(); give ESM output a real one.
        banner:
          "import { createRequire as __heedCreateRequire } from 'module'; const require = __heedCreateRequire(import.meta.url);",
        ...bundling,
      },
      ...rest,
    });
    this.logGroupResource = logGroup;
    (this.node.defaultChild as CfnFunction).addMetadata(HANDLER_METADATA, entry);
  }
}
