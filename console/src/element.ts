import { LitElement } from 'lit';
import { ApiError, api } from './api.ts';
import { clockNow } from './format.ts';

const POLL_MS = 5_000;

/** Light DOM: the page's stylesheet applies, and tests and assistive tech see one document. */
export class Base extends LitElement {
  protected override createRenderRoot() {
    return this;
  }
}

export const message = (error: unknown) =>
  error instanceof ApiError && error.status === 409
    ? `Someone changed it meanwhile: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);

/** Polls `path` while connected (conditional GETs), re-rendering on news. */
export abstract class Polling<T> extends Base {
  static override properties = { data: { state: true }, error: { state: true }, now: { state: true } };
  data: T | undefined;
  error = '';
  now = clockNow();
  private timers: number[] = [];
  abstract path(): string;

  override connectedCallback() {
    super.connectedCallback();
    void this.refresh();
    this.timers.push(window.setInterval(() => void this.refresh(), POLL_MS));
    this.timers.push(window.setInterval(() => (this.now = clockNow()), 1000));
  }
  override disconnectedCallback() {
    super.disconnectedCallback();
    for (const t of this.timers) clearInterval(t);
  }
  async refresh() {
    try {
      this.data = await api.get<T>(this.path());
      this.error = '';
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        window.dispatchEvent(new Event('heed:signed-out'));
      this.error = message(error);
    }
  }
  protected async act(work: () => Promise<unknown>) {
    try {
      await work();
      this.error = '';
    } catch (error) {
      this.error = message(error);
    }
    await this.refresh();
  }
}
