import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../../lib/constructs/node-function.ts';
import { BATCH_ACTIONS } from '../../lib/local/aws-gateway.ts';

/** The IAM service prefix of each SDK package Heed's code imports commands from. */
const SERVICE_OF_PACKAGE: Record<string, string> = {
  'client-dynamodb': 'dynamodb',
  'lib-dynamodb': 'dynamodb',
  'client-sqs': 'sqs',
  'client-sns': 'sns',
  'client-sfn': 'states',
  'client-secrets-manager': 'secretsmanager',
};

/** Libraries that call AWS for Heed's code (their commands are inside node_modules, out of sight above). */
const LIBRARY_ACTIONS: Record<string, string[]> = {
  '@aws-lambda-powertools/parameters/secrets': ['secretsmanager:GetSecretValue'],
};

/** lib-dynamodb's document commands, named after the item action each one calls. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/**
 * Every AWS action a handler's code can call: the SDK commands imported (as values, not types) by
 * any of Heed's source files in its bundle, as IAM actions. A grant beyond these is unused.
 */
export async function reachableActions(entry: string): Promise<Set<string>> {
  const { metafile } = await build({
    entryPoints: [path.join(PROJECT_ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    external: ['@aws-sdk/*', '@smithy/*'],
  });
  const actions = new Set<string>();
  for (const file of Object.keys(metafile.inputs)) {
    if (file.includes('node_modules')) continue;
    const source = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
    for (const [, names = '', pkg = ''] of source.matchAll(
      /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/([a-z-]+)'/g,
    )) {
      const service = SERVICE_OF_PACKAGE[pkg];
      if (!service) continue;
      for (const raw of names.split(',')) {
        const name = raw.trim();
        if (!name.endsWith('Command') || name.startsWith('type ')) continue;
        const command = name.replace(/Command$/, '');
        const operation = pkg === 'lib-dynamodb' ? (DOCUMENT_COMMANDS[command] ?? command) : command;
        const action = `${service}:${operation}`;
        actions.add(BATCH_ACTIONS[action] ?? action);
      }
    }
    for (const [module, called] of Object.entries(LIBRARY_ACTIONS))
      if (source.includes(`from '${module}'`)) for (const action of called) actions.add(action);
  }
  return actions;
}
