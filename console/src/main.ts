import { html, nothing, type TemplateResult } from 'lit';
import { ApiError, api, type ConsoleConfig, finishSignIn, loadConfig, session, startSignIn } from './api.ts';
import { Base, message, Polling } from './element.ts';
import {
  type Complaint,
  clockNow,
  countdown,
  describeEvent,
  PLATFORMS,
  reach,
  replyLink,
  standing,
  useClock,
} from './format.ts';
import './numbers.ts';

const KINDS = ['complaint', 'question', 'praise', 'spam', 'other'] as const;
/** On a phone the filters start folded: the queue comes first. */
const PHONE = window.matchMedia('(max-width: 700px)');
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
type Timeline = { at: string; type: string; detail: Record<string, unknown> }[];

function platformBadge(platform: string) {
  const p = PLATFORMS[platform] ?? { label: platform, short: '?' };
  // Colours come from the stylesheet (the page's CSP allows no inline styles).
  return html`<span class=${`badge p-${platform}`} role="img" aria-label=${p.label} title=${p.label}>${p.short}</span>`;
}

/** The app: sign-in, then the queue, a complaint, or the numbers (hash routes, so links work from an SMS). */
class HeedApp extends Base {
  static override properties = { route: { state: true }, signedIn: { state: true }, error: { state: true } };
  route = location.hash;
  signedIn = Boolean(session.token());
  error = '';
  config: ConsoleConfig = { auth: { mode: 'token' } };

  override async connectedCallback() {
    super.connectedCallback();
    window.addEventListener('hashchange', () => {
      this.route = location.hash;
    });
    window.addEventListener('heed:signed-out', () => {
      this.signedIn = false;
    });
    try {
      this.config = await loadConfig();
      useClock(this.config.clock);
      if (await finishSignIn(this.config.auth)) {
        // Back on the page it was opened for (the history entry was replaced, no hashchange).
        this.route = location.hash;
        this.signedIn = true;
      }
    } catch (error) {
      this.error = message(error);
    }
    this.requestUpdate();
  }

  private async signIn(event: SubmitEvent) {
    event.preventDefault();
    if (this.config.auth.mode === 'cognito') return startSignIn(this.config.auth);
    const token = new FormData(event.target as HTMLFormElement).get('token')?.toString().trim() ?? '';
    session.keep(token);
    try {
      await api.get('/stats');
      this.signedIn = true;
      this.error = '';
    } catch (error) {
      session.signOut();
      this.error =
        error instanceof ApiError && error.status === 401 ? 'That token was refused.' : message(error);
    }
  }

  override render() {
    if (!this.signedIn) return this.signInView();
    const detail = /^#\/complaints\/([\w-]+)/.exec(this.route)?.[1];
    const numbers = this.route.startsWith('#/numbers');
    return html`
      <header class="bar">
        <a class="brand" href="#/">Heed</a>
        <nav aria-label="Views">
          <a href="#/" aria-current=${!detail && !numbers ? 'page' : nothing}>Queue</a>
          <a href="#/numbers" aria-current=${numbers ? 'page' : nothing}>Numbers</a>
        </nav>
        <button
          class="link"
          @click=${() => {
            session.signOut();
            this.signedIn = false;
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        ${
          detail
            ? html`<heed-complaint .complaintId=${detail} .warningAt=${this.config.warningAt ?? 0.75}></heed-complaint>`
            : numbers
              ? html`<heed-numbers></heed-numbers>`
              : html`<heed-queue .warningAt=${this.config.warningAt ?? 0.75}></heed-queue>`
        }
      </main>
    `;
  }

  private signInView() {
    const cognito = this.config.auth.mode === 'cognito';
    return html`<main class="sign-in">
      <h1>Heed</h1>
      <p>No complaint goes unanswered. Sign in to work the queue.</p>
      <form @submit=${this.signIn}>
        ${
          cognito
            ? nothing
            : html`<label for="token">API token</label>
                <input id="token" name="token" type="password" autocomplete="off" required />
                <p class="hint">The local twin printed it at start (API_TOKEN).</p>`
        }
        <button type="submit" class="primary">Sign in</button>
      </form>
      ${this.error ? html`<p role="alert" class="error">${this.error}</p>` : nothing}
    </main>`;
  }
}

interface Filters {
  status: string;
  slaState: string;
  platform: string;
  severity: string;
  kind: string;
  assignee: string;
  since: string;
  q: string;
}

/** The work queue: open complaints by deadline, live countdowns, the API's filters, one-tap actions. */
class HeedQueue extends Polling<{ items: Complaint[]; nextCursor: string | null }> {
  static override properties = { ...Polling.properties, filters: { state: true }, selected: { state: true } };
  warningAt: number | null = 0.75;
  filters: Filters = {
    status: 'open',
    slaState: '',
    platform: '',
    severity: '',
    kind: '',
    assignee: '',
    since: '',
    q: '',
  };
  selected = new Set<string>();

  path() {
    const query = new URLSearchParams({ limit: '100' });
    for (const [key, value] of Object.entries(this.filters)) if (value) query.set(key, value);
    // Text search runs within a time range: the last 30 days unless a day is chosen.
    if (this.filters.q && !this.filters.since)
      query.set('since', new Date(clockNow() - 30 * 86_400_000).toISOString().slice(0, 10));
    if (this.filters.status || this.filters.slaState) query.set('sort', 'deadline');
    return `/complaints?${query}`;
  }

  /** How many filters differ from the work queue's default (open ones). */
  private activeFilters() {
    return Object.entries(this.filters).filter(([key, value]) =>
      key === 'status' ? value !== 'open' : value,
    ).length;
  }

  private setFilter(key: keyof Filters, value: string) {
    this.filters = { ...this.filters, [key]: value };
    this.selected = new Set();
    void this.refresh();
  }

  private select(id: string, on: boolean) {
    const next = new Set(this.selected);
    if (on) next.add(id);
    else next.delete(id);
    this.selected = next;
  }

  override render() {
    const items = this.data?.items ?? [];
    const select = (key: keyof Filters, label: string, options: readonly string[]) =>
      html`<label
        >${label}
        <select @change=${(e: Event) => this.setFilter(key, (e.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          ${options.map((o) => html`<option value=${o} ?selected=${this.filters[key] === o}>${o.replace('_', ' ')}</option>`)}
        </select></label
      >`;
    return html`
      <h1>Queue</h1>
      <details class="filter-box" ?open=${!PHONE.matches}>
      <summary>Filters${this.activeFilters() ? ` (${this.activeFilters()})` : ''}</summary>
      <form class="filters" aria-label="Filters" @submit=${(e: Event) => e.preventDefault()}>
        ${select('status', 'Status', ['open', 'acknowledged', 'resolved'])}
        ${select('slaState', 'SLA', ['on_track', 'warning', 'breached', 'acknowledged'])}
        ${select('platform', 'Platform', Object.keys(PLATFORMS))} ${select('severity', 'Severity', SEVERITIES)}
        ${select('kind', 'Kind', KINDS)}
        <label
          >Assignee
          <input
            type="search"
            .value=${this.filters.assignee}
            @change=${(e: Event) => this.setFilter('assignee', (e.target as HTMLInputElement).value.trim())}
        /></label>
        <label
          >Received since
          <input
            type="date"
            .value=${this.filters.since}
            @change=${(e: Event) => this.setFilter('since', (e.target as HTMLInputElement).value)}
        /></label>
        <label
          >Text
          <input
            type="search"
            minlength="2"
            .value=${this.filters.q}
            @change=${(e: Event) => this.setFilter('q', (e.target as HTMLInputElement).value.trim())}
        /></label>
      </form>
      </details>
      <div class="bulk" aria-live="polite">
        <span>${items.length} shown${this.selected.size ? `, ${this.selected.size} selected` : ''}</span>
        <button
          class="primary"
          ?disabled=${this.selected.size === 0}
          @click=${() =>
            this.act(async () => {
              await api.post('/complaints/ack', { ids: [...this.selected] });
              this.selected = new Set();
            })}
        >
          Acknowledge selected
        </button>
      </div>
      ${this.error ? html`<p role="alert" class="error">${this.error}</p>` : nothing}
      <ul class="queue" aria-label="Complaints">
        ${items.map((c) => this.row(c))}
      </ul>
      ${this.data && items.length === 0 ? html`<p class="empty">Nothing here: every complaint is answered.</p>` : nothing}
    `;
  }

  private row(c: Complaint): TemplateResult {
    const state = standing(c, this.now, this.warningAt);
    const author = c.author.handle ? `@${c.author.handle}` : (c.author.name ?? c.author.id);
    return html`<li class="item ${state}" data-id=${c.id}>
      <input
        type="checkbox"
        aria-label=${`Select the complaint from ${author}`}
        .checked=${this.selected.has(c.id)}
        @change=${(e: Event) => this.select(c.id, (e.target as HTMLInputElement).checked)}
      />
      ${platformBadge(c.platform)}
      <div class="who">
        <a href=${`#/complaints/${c.id}`}>${author}</a>
        ${c.author.followers !== undefined ? html`<span class="reach">${reach(c.author.followers)} followers</span>` : nothing}
      </div>
      <p class="text">${c.text}</p>
      <div class="tags">
        <span class="sev ${c.severity}">${c.severity}</span><span>${c.kind}</span>
        ${c.escalationLevel > 0 ? html`<span class="level">L${c.escalationLevel}</span>` : nothing}
        ${c.assignee ? html`<span>→ ${c.assignee}</span>` : nothing}
      </div>
      <time class="countdown" datetime=${c.ackDueAt ?? ''} aria-label=${`Deadline: ${countdown(c, this.now)}`}
        >${countdown(c, this.now)}</time
      >
      <div class="actions">
        ${
          c.status === 'open'
            ? html`<button @click=${() => this.act(() => api.post(`/complaints/${c.id}/ack`))}>Acknowledge</button>`
            : nothing
        }
        ${
          c.status !== 'resolved'
            ? html`<button @click=${() => this.act(() => api.post(`/complaints/${c.id}/resolve`))}>Resolve</button>`
            : nothing
        }
      </div>
    </li>`;
  }
}

/** One complaint: the whole text, a link to the post, its timeline, and every action. */
class HeedComplaint extends Polling<Complaint & { timeline: Timeline }> {
  static override properties = { ...Polling.properties, complaintId: {} };
  complaintId = '';
  warningAt: number | null = 0.75;
  path() {
    return `/complaints/${this.complaintId}`;
  }

  override render() {
    const c = this.data;
    if (!c)
      return html`${this.error ? html`<p role="alert" class="error">${this.error}</p>` : html`<p>Loading…</p>`}`;
    const state = standing(c, this.now, this.warningAt);
    const author = c.author.handle ? `@${c.author.handle}` : (c.author.name ?? c.author.id);
    const brandReply = c.acknowledgedBy?.via === 'brand-reply' ? replyLink(c.acknowledgedBy.by) : null;
    return html`
      <p><a href="#/">← Queue</a></p>
      <article class="detail ${state}">
        <h1>${platformBadge(c.platform)} ${author}
          ${c.author.followers !== undefined ? html`<small>${reach(c.author.followers)} followers</small>` : nothing}</h1>
        <blockquote>${c.text}</blockquote>
        ${c.permalink ? html`<p><a href=${c.permalink} target="_blank" rel="noopener">Open the original post</a></p>` : nothing}
        <p class="status">
          <span class="sev ${c.severity}">${c.severity}</span> ${c.kind} · ${c.status}
          ${c.escalationLevel > 0 ? html` · escalated to L${c.escalationLevel}` : nothing}
          · <time class="countdown" datetime=${c.ackDueAt ?? ''}>${countdown(c, this.now)}</time>
          ${c.assignee ? html` · assigned to ${c.assignee}` : nothing}
        </p>
        ${this.error ? html`<p role="alert" class="error">${this.error}</p>` : nothing}
        <div class="actions big">
          ${
            c.status === 'open'
              ? html`<button class="primary" @click=${() => this.act(() => api.post(`/complaints/${c.id}/ack`))}>
                  Acknowledge
                </button>`
              : html`<button @click=${() => this.act(() => api.post(`/complaints/${c.id}/reopen`))}>Reopen</button>`
          }
          ${
            c.status !== 'resolved'
              ? html`<button @click=${() => this.act(() => api.post(`/complaints/${c.id}/resolve`))}>Resolve</button>`
              : nothing
          }
        </div>
        <form
          class="inline"
          @submit=${(e: SubmitEvent) => {
            e.preventDefault();
            const who = new FormData(e.target as HTMLFormElement).get('assignee')?.toString().trim();
            void this.act(() =>
              api.post(`/complaints/${c.id}/assign`, {
                assignee: who || null,
                expectedAssignee: c.assignee ?? null,
              }),
            );
          }}
        >
          <label>Assign to <input name="assignee" .value=${c.assignee ?? ''} placeholder="ann@brand.example" /></label>
          <button type="submit">Assign</button>
        </form>
        <form
          class="inline"
          @submit=${(e: SubmitEvent) => {
            e.preventDefault();
            const form = new FormData(e.target as HTMLFormElement);
            void this.act(() =>
              api.patch(`/complaints/${c.id}`, {
                kind: form.get('kind'),
                severity: form.get('severity'),
                expected: { kind: c.kind, severity: c.severity },
              }),
            );
          }}
        >
          <label
            >Kind
            <select name="kind">
              ${KINDS.map((k) => html`<option ?selected=${k === c.kind}>${k}</option>`)}
            </select></label
          >
          <label
            >Severity
            <select name="severity">
              ${SEVERITIES.map((s) => html`<option ?selected=${s === c.severity}>${s}</option>`)}
            </select></label
          >
          <button type="submit">Correct triage</button>
        </form>
        <h2>Timeline</h2>
        <ol class="timeline">
          ${c.timeline.map(
            (e) => html`<li>
              <time datetime=${e.at}>${new Date(e.at).toLocaleString()}</time> ${describeEvent(e)}
              ${e.type === 'acknowledged' && brandReply ? html` — <a href=${brandReply} target="_blank" rel="noopener">see the reply</a>` : nothing}
              ${typeof e.detail['note'] === 'string' ? html`<q>${e.detail['note']}</q>` : nothing}
            </li>`,
          )}
        </ol>
      </article>
    `;
  }
}

customElements.define('heed-app', HeedApp);
customElements.define('heed-queue', HeedQueue);
customElements.define('heed-complaint', HeedComplaint);
