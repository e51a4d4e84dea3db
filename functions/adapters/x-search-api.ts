import { X_SEARCH_FIELDS } from '#core/listening/x-search.ts';
import type { XSearchApi } from '#core/ports.ts';

/** X API v2 recent search over HTTPS with the app's bearer token (app-only auth). */
export class HttpXSearchApi implements XSearchApi {
  constructor(
    private readonly baseUrl: string,
    private readonly bearerToken: () => Promise<string | undefined>,
    private readonly timeoutMs = 10_000,
  ) {}

  async search(params: Parameters<XSearchApi['search']>[0]) {
    const token = await this.bearerToken();
    if (!token)
      throw new Error('no X bearer token in the listening credentials secret (README § Listening on X)');
    const url = new URL('/2/tweets/search/recent', this.baseUrl);
    url.searchParams.set('query', params.query);
    url.searchParams.set('max_results', String(params.maxResults));
    for (const [name, value] of Object.entries(X_SEARCH_FIELDS)) url.searchParams.set(name, value);
    if (params.sinceId) url.searchParams.set('since_id', params.sinceId);
    if (params.startTime)
      url.searchParams.set('start_time', params.startTime.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    if (params.nextToken) url.searchParams.set('next_token', params.nextToken);
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, 'user-agent': 'Heed keyword listener' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const remaining = Number(response.headers.get('x-rate-limit-remaining') ?? Number.NaN);
    const reset = Number(response.headers.get('x-rate-limit-reset') ?? Number.NaN);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // An error page that is not JSON: reported as text.
    }
    return {
      status: response.status,
      body,
      rateLimit: {
        remaining: Number.isFinite(remaining) ? remaining : undefined,
        resetAt: Number.isFinite(reset) ? new Date(reset * 1000) : undefined,
      },
    };
  }
}
