import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Complaint } from '#core/model/complaint.ts';
import { sendDeliveries } from '../../lib/cli/deliveries.ts';
import { demoPlan } from '../../lib/cli/demo.ts';
import { consoleContentSecurityPolicy } from '../../lib/constructs/console-site.ts';
import { PROJECT_ROOT } from '../../lib/constructs/node-function.ts';
import { xTweet } from '../fixtures/deliveries.ts';
import { API_TOKEN, eventually, startTestTwin, type TestTwin } from '../support/twin.ts';

/**
 * The console in a real browser (Debian's Chromium through playwright-core; never a downloaded one)
 * against the twin. The SLA clock runs 30× (an X complaint's 4-minute target passes in 8 s) so a
 * countdown turns red, and a ladder runs, within a test.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');

// What the page-side callbacks use of the DOM (the project compiles without the DOM library).
interface Doc {
  documentElement: { scrollWidth: number };
  querySelectorAll(selector: string): Iterable<{
    getBoundingClientRect(): { right: number };
    tagName: string;
    className: string;
  }>;
}
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

let t: TestTwin;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  // The twin serves what the build made: build first (what `npm start` does too).
  // As `npm run build` does: a production build (vitest sets NODE_ENV=test, which Vite would honour).
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  await build({ configFile: path.join(PROJECT_ROOT, 'console/vite.config.ts'), logLevel: 'warn' });
  process.env['NODE_ENV'] = nodeEnv;
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestTwin({
    timeScale: 30,
    context: {
      heed: {
        stage: 'dev',
        sla: {
          targets: { x: { critical: 4, high: 4, medium: 4, low: 4 } },
          levels: [
            { level: 1, afterBreachMinutes: 0, audience: 'team', channels: ['email'] },
            { level: 2, afterBreachMinutes: 2, audience: 'oncall', channels: ['sms'] },
          ],
        },
      },
    },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
}, 180_000);
afterAll(async () => {
  expect(blocked).toEqual([]);
  await browser?.close();
  await t?.stop();
});

/** Every page is watched for what its Content-Security-Policy blocked (the policy CloudFront sends too). */
const blocked: string[] = [];
async function signedIn(page: Page, hash = '') {
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) blocked.push(m.text());
  });
  await page.goto(`${t.twin.url}/${hash}`);
  if (
    await page
      .getByLabel('API token')
      .isVisible()
      .catch(() => false)
  ) {
    await page.getByLabel('API token').fill(API_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
}

async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function stored(externalId: string): Promise<Complaint> {
  return eventually(
    async () => (await t.allComplaints()).find((c) => c.externalId === externalId),
    20_000,
    `complaint ${externalId} stored`,
  );
}

describe('the console', () => {
  it('asks for the token once, then shows the demo’s queue by deadline with live countdowns', async () => {
    const page = await context.newPage();
    await page.goto(`${t.twin.url}/`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('API token').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');
    await signedIn(page);

    const plan = demoPlan(new Date(), 4);
    const secrets = {
      x: t.twin.secrets.xConsumerSecret,
      meta: t.twin.secrets.metaAppSecret,
      generic: t.twin.secrets.genericWebhookSecret,
      trustpilot: t.twin.secrets.trustpilotUrlToken,
      google: t.twin.secrets.googlePushAudience,
    };
    const sent = await sendDeliveries(plan.customers, { url: t.twin.url, secrets });
    expect(sent.every((r) => r.status === 200)).toBe(true);
    const items = page.locator('ul.queue > li');
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBeGreaterThan(12);
    // Every platform of the demo is in the queue, each with its badge.
    for (const label of ['X', 'Facebook', 'Messenger', 'Instagram', 'WhatsApp', 'Connected source'])
      await expect
        .poll(() => page.locator('ul.queue').getByRole('img', { name: label }).count(), { timeout: 15_000 })
        .toBeGreaterThan(0);
    // Soonest deadline first, each counting down every second.
    const first = items.first().locator('time.countdown');
    const before = await first.textContent();
    await page.waitForTimeout(1500);
    expect(await first.textContent()).not.toBe(before);
    const deadlines = await items.evaluateAll((lis) => lis.map((li) => li.querySelector('time')!.dateTime));
    expect(deadlines.filter(Boolean)).toEqual([...deadlines.filter(Boolean)].sort());
    // Authors show their reach.
    await expect.poll(() => page.locator('.reach').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-queue.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('turns a countdown amber at the warning and red on breach, under the scaled clock', async () => {
    const page = await context.newPage();
    await signedIn(page);
    await t.postX(
      xTweet({ id: '1899000000000000001', userId: '5501', text: '@brand my card was charged twice!' }),
    );
    const c = await stored('1899000000000000001');
    const row = page.locator(`li[data-id="${c.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    // 4 minutes at 30×: 8 s in all, amber from 6 s (75%), red at 8 s.
    await expect.poll(() => row.getAttribute('class'), { timeout: 15_000 }).toContain('warning');
    await expect.poll(() => row.getAttribute('class'), { timeout: 15_000 }).toContain('breached');
    expect(await row.locator('time.countdown').textContent()).toMatch(/late$/);
    await page.close();
  });

  it('acknowledges from the complaint page in one tap, and the escalation stops', async () => {
    const page = await context.newPage();
    await t.postX(
      xTweet({ id: '1899000000000000002', userId: '5502', text: '@brand the app charged me twice' }),
    );
    const c = await stored('1899000000000000002');
    // The link an escalation carries opens this page (after sign-in).
    await signedIn(page, `#/complaints/${c.id}`);
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => page.locator('.detail .status').textContent()).toContain('acknowledged');
    await expect.poll(() => page.locator('ol.timeline').textContent()).toContain('Acknowledged by');
    expect(await seriousViolations(page)).toEqual([]);
    const pagesAtAck = t.outbox().filter((l) => l.complaintId === c.id).length;
    // Past the deadline and the L2 step (8 s + 4 s at 30×): nothing more is sent for it.
    await page.waitForTimeout(14_000);
    expect(t.outbox().filter((l) => l.complaintId === c.id)).toHaveLength(pagesAtAck);
    // The ladder does run for the others, and each page links to its complaint in the console.
    const paged = t.outbox().find((l) => l.step === 'L2')!;
    expect(paged.message).toContain(`Acknowledge: ${t.twin.url}/#/complaints/${paged.complaintId}`);
    await page.close();
  });

  it('filters the queue, and acts on several at once', async () => {
    const page = await context.newPage();
    await signedIn(page);
    await page.getByLabel('Platform').selectOption('whatsapp');
    const items = page.locator('ul.queue > li');
    const platforms = () =>
      items.evaluateAll((lis) => [
        ...new Set(lis.map((li) => li.querySelector('.badge')!.getAttribute('aria-label'))),
      ]);
    await expect.poll(platforms, { timeout: 15_000 }).toEqual(['WhatsApp']);
    const ids = await items.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-id')!));
    for (const box of await items.getByRole('checkbox').all()) await box.check();
    await page.getByRole('button', { name: 'Acknowledge selected' }).click();
    await expect.poll(() => items.count(), { timeout: 15_000 }).toBe(0);
    const after = await t.allComplaints();
    expect(after.filter((c) => ids.includes(c.id)).map((c) => c.status)).toEqual(
      ids.map(() => 'acknowledged'),
    );
    // Text search (within the last 30 days) across platforms.
    await page.getByLabel('Platform').selectOption('');
    await page.getByLabel('Text').fill('refund');
    await page.getByLabel('Text').press('Enter');
    const texts = () =>
      items.evaluateAll((lis) => lis.map((li) => li.querySelector('.text')!.textContent ?? ''));
    await expect
      .poll(
        async () => {
          const found = await texts();
          return found.length > 0 && found.every((text) => /refund/i.test(text));
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    await page.close();
  });

  it('draws the numbers from GET /stats', async () => {
    const page = await context.newPage();
    await signedIn(page, '#/numbers');
    await expect.poll(() => page.locator('.tile .value').first().textContent()).toMatch(/%$/);
    const painted = await page.locator('canvas').evaluateAll((canvases) =>
      (canvases as unknown as Canvas[]).map((canvas) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let inked = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
        return inked;
      }),
    );
    expect(painted).toHaveLength(5);
    for (const inked of painted) expect(inked).toBeGreaterThan(500);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-numbers.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('works on a 375 px phone screen', async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await phone.newPage();
    await signedIn(page);
    // The queue comes first; the filters are one tap away.
    expect(await page.getByLabel('Platform').isVisible()).toBe(false);
    await page.getByText('Filters', { exact: true }).click();
    await page.getByLabel('Platform').selectOption('');
    await expect.poll(() => page.locator('ul.queue > li').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // Nothing wider than the screen, and the buttons are big enough to tap.
    const tooWide = await page.evaluate(() =>
      [...(globalThis as unknown as { document: Doc }).document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 376)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
        .slice(0, 5),
    );
    expect(tooWide).toEqual([]);
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: Doc }).document.documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(375);
    const button = await page.locator('ul.queue > li').first().getByRole('button').first().boundingBox();
    expect(button!.height).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-phone.png'), fullPage: false });
    expect(await seriousViolations(page)).toEqual([]);
    await phone.close();
  });
});

describe('signing in through the hosted UI (as with the stage’s Cognito pool)', () => {
  it('runs the authorization code flow with PKCE, and comes back to the complaint it was opened for', async () => {
    // A hosted UI that checks what Cognito checks: the client, the redirect, and the S256 challenge.
    let challenge = '';
    const issued: string[] = [];
    const hosted = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      res.setHeader('access-control-allow-origin', t.twin.url);
      if (url.pathname === '/oauth2/authorize') {
        expect(Object.fromEntries(url.searchParams)).toMatchObject({
          response_type: 'code',
          client_id: 'console-client',
          redirect_uri: `${t.twin.url}/`,
          scope: 'openid email heed/read heed/act',
          code_challenge_method: 'S256',
        });
        challenge = url.searchParams.get('code_challenge')!;
        const back = new URL(url.searchParams.get('redirect_uri')!);
        back.search = new URLSearchParams({
          code: 'the-code',
          state: url.searchParams.get('state')!,
        }).toString();
        // Cognito answers 302 after sign-in; a page that navigates on is the same to the console, and
        // lets the test hand the page the CSP CloudFront would (a redirect's target is not routable).
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<script>location.replace(${JSON.stringify(back.toString())})</script>`);
        return;
      }
      if (url.pathname === '/oauth2/token' && req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        const form = new URLSearchParams(body);
        const verifier = form.get('code_verifier') ?? '';
        const s256 = createHash('sha256').update(verifier).digest('base64url');
        const ok =
          form.get('grant_type') === 'authorization_code' &&
          form.get('code') === 'the-code' &&
          form.get('client_id') === 'console-client' &&
          s256 === challenge;
        if (!ok)
          return res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        issued.push(verifier);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ access_token: API_TOKEN, token_type: 'Bearer', expires_in: 3600 }));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => hosted.listen(0, '127.0.0.1', resolve));
    const domain = `http://127.0.0.1:${(hosted.address() as AddressInfo).port}`;
    const fresh = await browser.newContext();
    // The stand-in hosted UI is on this machine: Chromium asks before a page reaches a local address
    // (Cognito's domain is public, so a real sign-in never needs this).
    await fresh.grantPermissions(['local-network-access'], { origin: t.twin.url });
    const page = await fresh.newPage();
    // What CloudFront serves in AWS: config.json naming the pool's domain and client, and the CSP
    // that lets the page reach that domain's token endpoint.
    await page.route(`${t.twin.url}/config.json`, (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({
          auth: {
            mode: 'cognito',
            domain,
            clientId: 'console-client',
            scopes: 'openid email heed/read heed/act',
          },
        }),
      }),
    );
    await page.route(
      (url) => url.origin === t.twin.url && url.pathname === '/',
      async (route) => {
        const response = await route.fetch();
        await route.fulfill({
          response,
          headers: { ...response.headers(), 'content-security-policy': consoleContentSecurityPolicy(domain) },
        });
      },
    );
    await t.postX(xTweet({ id: '1899000000000000009', userId: '5509', text: '@brand refund me now' }));
    const c = await stored('1899000000000000009');
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
    await page.goto(`${t.twin.url}/#/complaints/${c!.id}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.detail').waitFor({ timeout: 15_000 });
    expect(refused).toEqual([]);
    expect(issued).toHaveLength(1);
    expect(page.url()).toBe(`${t.twin.url}/#/complaints/${c!.id}`);
    expect(await page.locator('.detail blockquote').textContent()).toBe(c!.text);
    await fresh.close();
    hosted.close();
  });
});
