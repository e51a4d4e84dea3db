import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TWIN_RESOURCES_FILE } from './stage-resources.ts';

/** Where the CLI finds the API: flags, then the environment, then the running local twin. */
export interface ApiConnection {
  url: string;
  token: string;
}

/** The running twin's API, from its data directory (undefined when it is not running here). */
function twinApi(env: NodeJS.ProcessEnv): ApiConnection | undefined {
  try {
    const file = path.resolve(env['HEED_DATA_DIR'] ?? '.heed', TWIN_RESOURCES_FILE);
    return (JSON.parse(readFileSync(file, 'utf8')) as { api?: ApiConnection }).api;
  } catch {
    return undefined;
  }
}

/** The base URL of a stage's API (webhooks need no token: their platform's signature is the check). */
export function apiUrl(flags: { apiUrl?: string }, env: NodeJS.ProcessEnv = process.env): string {
  const url = flags.apiUrl ?? env['HEED_API_URL'] ?? twinApi(env)?.url;
  if (!url)
    throw new Error('no API to talk to: start the twin (npm start), or give --api-url (or HEED_API_URL)');
  return url.replace(/\/$/, '');
}

export function apiConnection(
  flags: { apiUrl?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): ApiConnection {
  const twin = twinApi(env);
  const url = flags.apiUrl ?? env['HEED_API_URL'] ?? twin?.url;
  const token = flags.token ?? env['API_TOKEN'] ?? (url === twin?.url ? twin?.token : undefined);
  if (!url)
    throw new Error('no API to talk to: start the twin (npm start), or give --api-url (or HEED_API_URL)');
  if (!token) throw new Error('no token: give --token (or API_TOKEN): a JWT for a deployed stage');
  return { url: url.replace(/\/$/, ''), token };
}

/** A failed call, with what the API said (its problem detail) rather than a bare status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function apiClient(connection: ApiConnection) {
  async function call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    const response = await fetch(`${connection.url}${pathname}`, {
      method,
      headers: {
        authorization: `Bearer ${connection.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = (() => {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })();
    if (!response.ok)
      throw new ApiError(
        response.status,
        `${method} ${pathname}: ${response.status} ${String(parsed?.['detail'] ?? parsed?.['message'] ?? text)}`,
      );
    return parsed as T;
  }
  return {
    get: <T>(pathname: string) => call<T>('GET', pathname),
    post: <T>(pathname: string, body: unknown = {}) => call<T>('POST', pathname, body),
    patch: <T>(pathname: string, body: unknown) => call<T>('PATCH', pathname, body),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;
