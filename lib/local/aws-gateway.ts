import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoAnswer, type DynamoTransactions } from './dynamo-transactions.ts';
import { keyAuthorizations } from './encryption.ts';
import { type Authorization, evaluate, type PolicyStatement } from './iam.ts';
import { environmentOfUserAgent } from './lambda-runtime.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './template.ts';

/** Who signed a request: a function's execution role, or the twin itself (which provisions everything). */
export type Principal =
  | { kind: 'role'; arn: string; statements: readonly PolicyStatement[] }
  | { kind: 'twin' };

export interface GatewayOptions {
  /** Upstream emulator base URL per SigV4 service name (dynamodb, sqs, sns, states, secretsmanager). */
  upstreams: Record<string, string>;
  /** Access key id → principal. */
  principals: Map<string, Principal>;
  /** ARN of the queue at `url` (queues are addressed by URL, policies by ARN). */
  queueArn(url: string): string | undefined;
  /** ARN of a secret given by name or ARN. */
  secretArn(id: string): string | undefined;
  /** TransactWriteItems (dynalite has none), and the one-at-a-time order of every DynamoDB write. */
  transactions: DynamoTransactions;
  /** The customer-managed key of an encrypted resource: callers need its key permissions too. */
  encryptionKey(resourceArn: string): string | undefined;
  /** Told about every refused call, so a missing grant is visible in the twin's output. */
  onDenied(message: string): void;
  /**
   * Tests only (the fault-injection suite): decides, per allowed call, to answer an AWS error instead
   * of passing it on, or to crash the calling function's execution environment mid-invocation.
   */
  faults?: (call: AwsCall, caller: string) => InjectedFault | undefined;
  /**
   * Tests only: told how each allowed call was answered (the status its caller heard, or 0 when the
   * caller was gone), so a suite can tell a call that failed from one that succeeded unheard.
   */
  onAnswer?: (call: AwsCall, caller: string, status: number) => void;
  /** The calling function's environment (from its SDK user agent) dies: see LocalFunction.crash. */
  onCrash?: (functionId: string, environmentId: string | undefined) => void;
  /**
   * Sees an allowed call and the emulator's answer before the caller does, and may delay the answer
   * (the twin's queue journal: a message is on disk before its sender hears "sent").
   */
  observer?: {
    observes(call: AwsCall): boolean;
    observe(call: AwsCall, status: number, body: Buffer): Promise<void> | void;
  };
}

/** A fault the tests inject: an AWS error answer, or the caller's runtime dying mid-call. */
export type InjectedFault =
  | { kind: 'error'; status: number; code: string; message: string }
  | { kind: 'crash' };

/** An AWS API call as the gateway reads it off the wire. */
export interface AwsCall {
  service: string;
  operation: string;
  params: Record<string, unknown>;
  /** JSON protocols answer errors as JSON, the query protocol (SNS) as XML. */
  protocol: 'json' | 'query';
}

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const arn = (service: string, rest: string) => `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${rest}`;

const DYNAMO_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** Batch operations are authorized as their single-item action, as IAM documents. */
export const BATCH_ACTIONS: Record<string, string> = {
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
  'sns:PublishBatch': 'sns:Publish',
};

function dynamoResources(operation: string, p: Record<string, unknown>): Authorization[] {
  const table = (name: unknown, index?: unknown) =>
    arn('dynamodb', `table/${String(name)}${index ? `/index/${String(index)}` : ''}`);
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem')
    return Object.keys((p['RequestItems'] as object) ?? {}).map((name) => ({
      action: `dynamodb:${operation}`,
      resource: table(name),
    }));
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    const kinds: Record<string, string> = {
      Put: 'PutItem',
      Update: 'UpdateItem',
      Delete: 'DeleteItem',
      ConditionCheck: 'ConditionCheckItem',
      Get: 'GetItem',
    };
    return ((p['TransactItems'] as Record<string, { TableName: string }>[]) ?? []).flatMap((item) =>
      Object.entries(item).map(([kind, op]) => ({
        action: `dynamodb:${kinds[kind] ?? kind}`,
        resource: table(op.TableName),
      })),
    );
  }
  return [{ action: `dynamodb:${operation}`, resource: table(p['TableName'], p['IndexName']) }];
}

/** The action(s) and resource(s) IAM checks for a call (an empty list: nothing resource-scoped to check). */
function authorizations(call: AwsCall, options: GatewayOptions): Authorization[] {
  const { service, operation, params: p } = call;
  const action = BATCH_ACTIONS[`${service}:${operation}`] ?? `${service}:${operation}`;
  switch (service) {
    case 'dynamodb':
      return dynamoResources(operation, p);
    case 'sqs': {
      const url = String(p['QueueUrl'] ?? '');
      const name = String(p['QueueName'] ?? url.split('/').pop() ?? '*');
      return [{ action, resource: options.queueArn(url) ?? arn('sqs', name) }];
    }
    case 'sns':
      return [{ action, resource: String(p['TopicArn'] ?? p['TargetArn'] ?? p['Name'] ?? '*') }];
    case 'states':
      return [{ action, resource: String(p['executionArn'] ?? p['stateMachineArn'] ?? '*') }];
    case 'secretsmanager': {
      const id = String(p['SecretId'] ?? '');
      return [{ action, resource: options.secretArn(id) ?? id }];
    }
    default:
      throw new AwsError(400, 'UnknownOperationException', `the local twin does not serve ${service}`);
  }
}

const SNS_MAX_MESSAGE_BYTES = 256 * 1024;
// Control characters, including line breaks: SNS refuses them in a subject.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** What SNS itself refuses on Publish (documented limits), so a notification that AWS would bounce fails locally too. */
function validateSnsPublish(p: Record<string, unknown>): void {
  const invalid = (what: string) => new AwsError(400, 'InvalidParameter', `Invalid parameter: ${what}`);
  const subject = p['Subject'];
  if (subject !== undefined) {
    const text = String(subject);
    if (text.length === 0 || text.length >= 100 || CONTROL.test(text) || !/^[\p{L}\p{N}\p{P}]/u.test(text))
      throw invalid('Subject');
  }
  const message = String(p['Message'] ?? '');
  if (message.length === 0) throw invalid('Empty message');
  if (Buffer.byteLength(message) > SNS_MAX_MESSAGE_BYTES) throw invalid('Message too long');
  const attributes = Object.keys(p).filter((k) => /^MessageAttributes\.entry\.\d+\.Name$/.test(k));
  if (attributes.length > 10) throw invalid('MessageAttributes: at most 10 message attributes');
  for (const key of attributes) {
    const name = String(p[key]);
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) || /^(aws|amazon)\./i.test(name))
      throw invalid(`MessageAttributes: invalid name ${name}`);
    const value = p[key.replace(/Name$/, 'Value.StringValue')];
    if (value !== undefined && String(value).length === 0)
      throw new AwsError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type 'String'.`,
      );
  }
}

function readCall(req: IncomingMessage, body: Buffer): { call: AwsCall; accessKeyId?: string } {
  const auth = String(req.headers['authorization'] ?? '');
  const scope = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth);
  const target = String(req.headers['x-amz-target'] ?? '');
  const contentType = String(req.headers['content-type'] ?? '');
  const service = scope?.[2] ?? '';
  if (contentType.includes('x-www-form-urlencoded')) {
    const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    return {
      call: { service, operation: String(params['Action'] ?? ''), params, protocol: 'query' },
      accessKeyId: scope?.[1],
    };
  }
  const text = body.toString('utf8');
  const params = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  return {
    call: { service, operation: target.split('.').pop() ?? '', params, protocol: 'json' },
    accessKeyId: scope?.[1],
  };
}

function errorBody(call: AwsCall | undefined, error: AwsError, requestId: string) {
  if (call?.protocol === 'query') {
    const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return {
      contentType: 'text/xml',
      body:
        `<ErrorResponse xmlns="http://${call.service}.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>` +
        `<Code>${xml(error.code)}</Code><Message>${xml(error.message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  return {
    contentType: 'application/x-amz-json-1.0',
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

/**
 * The one endpoint every SDK client in the twin talks to. It reads who signed each call (the access
 * key of a function's execution role), checks the call against that role's policy from the
 * synthesized template, refuses it the way AWS does when no statement allows it, and validates what
 * the emulators would let through but AWS would not (SNS publish limits). Allowed calls are passed to
 * the emulator byte for byte.
 */
export interface AwsGateway {
  server: Server;
  url: string;
  /** Allowed calls so far, by `<caller> <service>:<operation>` (what a call costs, for tests and benchmarks). */
  calls: Map<string, number>;
}

export function startAwsGateway(options: GatewayOptions): Promise<AwsGateway> {
  const calls = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const requestId = randomUUID();
    let call: AwsCall | undefined;
    try {
      const read = readCall(req, body);
      call = read.call;
      const principal = read.accessKeyId ? options.principals.get(read.accessKeyId) : undefined;
      if (!principal)
        throw new AwsError(
          403,
          call.protocol === 'query' ? 'InvalidClientTokenId' : 'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        );
      if (principal.kind === 'role') {
        const needed = authorizations(call, options);
        for (const request of [...needed, ...keyAuthorizations(needed, options.encryptionKey)]) {
          const decision = evaluate(principal.statements, request);
          if (decision === 'allow') continue;
          const why =
            decision === 'explicit-deny'
              ? 'with an explicit deny in an identity-based policy'
              : `because no identity-based policy allows the ${request.action} action`;
          const message = `User: ${principal.arn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
          options.onDenied(message);
          throw new AwsError(
            call.protocol === 'query' ? 403 : 400,
            call.protocol === 'query' ? 'AuthorizationError' : 'AccessDeniedException',
            message,
          );
        }
      }
      const caller = principal.kind === 'role' ? (principal.arn.split('/').pop() ?? '') : 'twin';
      const counted = `${caller} ${call.service}:${call.operation}`;
      calls.set(counted, (calls.get(counted) ?? 0) + 1);
      const fault = options.faults?.(call, caller);
      if (fault?.kind === 'crash') {
        options.onCrash?.(
          caller,
          environmentOfUserAgent(`${req.headers['user-agent']} ${req.headers['x-amz-user-agent']}`),
        );
        req.socket.destroy();
        return;
      }
      if (fault) {
        options.onAnswer?.(call, caller, fault.status);
        throw new AwsError(fault.status, fault.code, fault.message);
      }
      if (call.service === 'sns' && (call.operation === 'Publish' || call.operation === 'PublishBatch'))
        validateSnsPublish(call.params);
      if (call.service === 'dynamodb' && call.operation === 'TransactWriteItems') {
        const answer = await options.transactions.transactWrite(call.params);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId });
        res.end(JSON.stringify(answer));
        return;
      }
      const upstream = options.upstreams[call.service];
      if (!upstream) throw new AwsError(400, 'UnknownOperationException', `no local ${call.service}`);
      const target = new URL(req.url ?? '/', upstream);
      // The emulator's whole answer is read before it is passed on, so the call is settled when the
      // emulator is done with it, whether or not its caller is still there (an environment crashed
      // mid-call): a write still counted as in flight would hold every transaction, and every write.
      const forward = () =>
        new Promise<void>((done) => {
          const answer = (status: number, headers: Record<string, unknown>, bytes: Buffer | string) => {
            const heard = !res.destroyed && !res.headersSent;
            if (heard) {
              res.writeHead(status, headers as never);
              res.end(bytes);
            }
            options.onAnswer?.(call!, caller, heard ? status : 0);
          };
          const request = httpRequest(
            target,
            { method: req.method, headers: { ...req.headers, 'content-length': String(body.length) } },
            async (upstreamRes) => {
              try {
                const parts: Buffer[] = [];
                for await (const part of upstreamRes) parts.push(part as Buffer);
                const bytes = Buffer.concat(parts);
                const status = upstreamRes.statusCode ?? 500;
                const observer = options.observer;
                if (observer?.observes(call!)) {
                  try {
                    await observer.observe(call!, status, bytes);
                  } catch (error) {
                    // Not journaled means not durable: the sender must not hear "sent".
                    answer(
                      500,
                      { 'content-type': 'application/x-amz-json-1.0' },
                      JSON.stringify({ __type: 'InternalError', message: String(error) }),
                    );
                    return;
                  }
                }
                answer(status, upstreamRes.headers, bytes);
              } catch (error) {
                answer(502, {}, String(error));
              } finally {
                done();
              }
            },
          );
          request.on('error', (error) => {
            answer(502, {}, String(error));
            done();
          });
          request.end(body);
        });
      // DynamoDB writes wait for any transaction in progress (dynamo-transactions.ts).
      if (call.service === 'dynamodb' && DYNAMO_WRITES.has(call.operation))
        await options.transactions.write(forward);
      else await forward();
    } catch (error) {
      if (error instanceof DynamoAnswer) {
        res.writeHead(error.status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-errortype': error.type,
          'x-amzn-requestid': requestId,
        });
        res.end(JSON.stringify({ __type: error.type, message: error.message, ...error.extra }));
        return;
      }
      const failure =
        error instanceof AwsError ? error : new AwsError(400, 'SerializationException', String(error));
      const { contentType, body: text } = errorBody(call, failure, requestId);
      res.writeHead(failure.status, {
        'content-type': contentType,
        'x-amzn-errortype': failure.code,
        'x-amzn-requestid': requestId,
      });
      res.end(text);
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls }),
    ),
  );
}
