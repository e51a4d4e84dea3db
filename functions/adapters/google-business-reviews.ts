import type { ResourceFetcher } from '#core/ports.ts';
import type { ListeningCredentials } from './listening-credentials.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GOOGLE_BUSINESS_API_URL = 'https://mybusiness.googleapis.com';

/**
 * Reads a review by its resource name (Business Profile API v4 `accounts.locations.reviews.get`) with
 * an access token from the OAuth refresh token (scope business.manage), kept until shortly before it
 * expires. A deleted review (404) is null.
 */
export class GoogleBusinessReviews implements ResourceFetcher {
  private access: { token: string; until: number } | undefined;

  constructor(
    private readonly credentials: () => Promise<ListeningCredentials>,
    private readonly urls = { token: GOOGLE_TOKEN_URL, api: GOOGLE_BUSINESS_API_URL },
  ) {}

  private async accessToken(): Promise<string> {
    if (this.access && this.access.until > Date.now()) return this.access.token;
    const google = (await this.credentials()).google;
    if (!google) throw new Error('no Google OAuth credentials in the listening credentials secret');
    const response = await fetch(this.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: google.clientId,
        client_secret: google.clientSecret,
        refresh_token: google.refreshToken,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`Google token endpoint answered ${response.status}`);
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new Error('Google token endpoint gave no access token');
    this.access = { token: body.access_token, until: Date.now() + ((body.expires_in ?? 3600) - 60) * 1000 };
    return body.access_token;
  }

  async fetch(reviewName: string): Promise<unknown> {
    const url = new URL(`/v4/${reviewName}`, this.urls.api);
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${await this.accessToken()}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 404) return null;
    if (response.status === 401) this.access = undefined;
    if (!response.ok) throw new Error(`Business Profile API answered ${response.status} for ${reviewName}`);
    return response.json();
  }
}
