import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the operator tools (`heed reprocess`, `heed redrive`) find a stage's table and queues. */
export interface StageResources {
  tableName: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** SDK client settings: the twin's gateway and credentials locally; the default chain in AWS. */
  client: {
    region?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** The twin's API and its full-scope token (the CLI's default target). */
  api?: { url: string; token: string };
}

/** The file the local twin writes at start (owner-only): its resources and how to reach them. */
export const TWIN_RESOURCES_FILE = 'twin.json';

/**
 * A deployed stage: HEED_TABLE_NAME, HEED_QUEUE_URL and HEED_DLQ_URL (the stack outputs TableName,
 * QueueUrl, DeadLetterQueueUrl) with the usual AWS credentials. Otherwise the running local twin.
 */
export function stageResources(env: NodeJS.ProcessEnv = process.env): StageResources {
  const { HEED_TABLE_NAME: tableName, HEED_QUEUE_URL: queueUrl, HEED_DLQ_URL: deadLetterQueueUrl } = env;
  if (tableName && queueUrl && deadLetterQueueUrl)
    return { tableName, queueUrl, deadLetterQueueUrl, client: {} };
  const file = path.resolve(env['HEED_DATA_DIR'] ?? '.heed', TWIN_RESOURCES_FILE);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StageResources;
  } catch {
    throw new Error(
      `no stage to act on: set HEED_TABLE_NAME, HEED_QUEUE_URL and HEED_DLQ_URL (the stack outputs), or start the twin (npm start) so ${file} exists`,
    );
  }
}
