import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { eventually } from './twin.ts';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `heed start` (the command behind `npm start`) as its own process, as a user runs it. */
export class TwinProcess {
  child: ChildProcess | undefined;
  /** Settles when the current process has exited (however it ended). */
  exited: Promise<unknown> = Promise.resolve();
  output = '';

  constructor(
    readonly port: number,
    readonly dataDir: string,
    readonly apiToken: string,
  ) {}

  async start(): Promise<string> {
    this.output = '';
    this.child = spawn(process.execPath, ['--import', 'tsx', 'bin/heed.ts', 'start'], {
      env: {
        ...process.env,
        PORT: String(this.port),
        HEED_DATA_DIR: this.dataDir,
        API_TOKEN: this.apiToken,
        SLA_TIME_SCALE: '1',
        // Only what the test sends: no sample listening (README § Listening, On the local twin).
        HEED_LISTENING: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = this.child;
    this.exited = new Promise((resolve) => child.once('exit', resolve));
    this.child.stdout!.on('data', (chunk) => (this.output += chunk));
    this.child.stderr!.on('data', (chunk) => (this.output += chunk));
    await eventually(
      () => this.output.includes('Ctrl-C to stop'),
      60_000,
      `the twin to start:\n${this.output}`,
    );
    return this.output;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    this.child?.kill(signal);
    await this.exited;
    this.child = undefined;
  }

  url(pathname: string) {
    return `http://127.0.0.1:${this.port}${pathname}`;
  }

  /** Every complaint, all pages. */
  async complaints(): Promise<{ externalId: string }[]> {
    const items: { externalId: string }[] = [];
    let cursor: string | null = null;
    do {
      const response = await fetch(this.url(`/complaints?limit=100${cursor ? `&cursor=${cursor}` : ''}`), {
        headers: { authorization: `Bearer ${this.apiToken}` },
      });
      const page = (await response.json()) as { items: { externalId: string }[]; nextCursor: string | null };
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }
}
