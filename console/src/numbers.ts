import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { html, nothing } from 'lit';
import type { Stats } from '../../functions/core/stats/summary.ts';
import { Polling } from './element.ts';
import { minutes, PLATFORMS, percent } from './format.ts';

// Only the parts drawn here: Chart.js is tree-shaken to them.
Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

const COLOURS = { red: '#b42318', amber: '#a15c00', green: '#0b7a3e', blue: '#1458c9', grey: '#5b6472' };
const SEVERITY_COLOURS = ['#b42318', '#c4320a', '#a15c00', '#5b6472'];
/** Bars of whole counts, one series: no legend, integer ticks from zero. */
const COUNT_BARS = {
  plugins: { legend: { display: false } },
  scales: { y: { min: 0, ticks: { precision: 0 } } },
} as const;

/** The numbers a lead reads in five seconds: response rate, time to acknowledge, breaches, backlog, escalations. */
class HeedNumbers extends Polling<Stats> {
  private charts = new Map<string, Chart>();

  path() {
    return '/stats';
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    for (const chart of this.charts.values()) chart.destroy();
    this.charts.clear();
  }

  override render() {
    const s = this.data;
    if (!s)
      return html`${this.error ? html`<p role="alert" class="error">${this.error}</p>` : html`<p>Loading…</p>`}`;
    const o = s.overall;
    const tile = (label: string, value: string, note = '') =>
      html`<div class="tile"><span class="value">${value}</span><span class="label">${label}</span>${note ? html`<span class="note">${note}</span>` : nothing}</div>`;
    return html`
      <h1>Numbers <small>${s.since} to ${s.until}</small></h1>
      ${this.error ? html`<p role="alert" class="error">${this.error}</p>` : nothing}
      <section class="tiles" aria-label="At a glance">
        ${tile('response rate', percent(o.responseRate), `${o.responded} of ${o.received} answered`)}
        ${tile('within target', percent(o.withinTargetRate))}
        ${tile('time to acknowledge, p50', minutes(o.timeToAcknowledge.p50Minutes), `p90 ${minutes(o.timeToAcknowledge.p90Minutes)}`)}
        ${tile('breached', percent(o.breachRate), `${o.breached} complaints`)}
        ${tile('open now', String(s.backlog.open))}
      </section>
      <section class="charts">
        ${this.canvas('rate', 'Response rate per day: answered at all and within target')}
        ${this.canvas('tta', 'Time to acknowledge per day, p50 and p90, in minutes')}
        ${this.canvas('breaches', 'Breaches per platform and per severity')}
        ${this.canvas('backlog', 'Open backlog by severity')}
        ${this.canvas('escalations', 'Escalations sent by level')}
      </section>
    `;
  }

  private canvas(id: string, label: string) {
    return html`<figure>
      <figcaption id=${`${id}-caption`}>${label}</figcaption>
      <div class="chart"><canvas id=${`chart-${id}`} role="img" aria-labelledby=${`${id}-caption`}></canvas></div>
    </figure>`;
  }

  override updated() {
    const s = this.data;
    if (!s) return;
    const days = s.daily.map((d) => d.day.slice(5));
    const line = (label: string, data: (number | null)[], colour: string) => ({
      label,
      data,
      borderColor: colour,
      backgroundColor: colour,
      spanGaps: true,
      tension: 0.2,
    });
    const platforms = Object.keys(s.byPlatform);
    const severities = Object.keys(s.bySeverity);
    const levels = Object.keys(s.overall.escalations).sort();
    this.draw('rate', {
      type: 'line',
      data: {
        labels: days,
        datasets: [
          line(
            'answered',
            s.daily.map((d) => (d.responseRate === null ? null : d.responseRate * 100)),
            COLOURS.blue,
          ),
          line(
            'within target',
            s.daily.map((d) => (d.withinTargetRate === null ? null : d.withinTargetRate * 100)),
            COLOURS.green,
          ),
        ],
      },
      options: { scales: { y: { min: 0, max: 100, title: { display: true, text: '%' } } } },
    });
    this.draw('tta', {
      type: 'line',
      data: {
        labels: days,
        datasets: [
          line(
            'p50',
            s.daily.map((d) => d.timeToAcknowledge.p50Minutes),
            COLOURS.blue,
          ),
          line(
            'p90',
            s.daily.map((d) => d.timeToAcknowledge.p90Minutes),
            COLOURS.amber,
          ),
        ],
      },
      options: { scales: { y: { min: 0, title: { display: true, text: 'minutes' } } } },
    });
    this.draw('breaches', {
      type: 'bar',
      data: {
        labels: [...platforms.map((p) => PLATFORMS[p]?.label ?? p), ...severities],
        datasets: [
          {
            label: 'breached',
            data: [
              ...platforms.map((p) => s.byPlatform[p]?.breached ?? 0),
              ...severities.map((v) => s.bySeverity[v as keyof typeof s.bySeverity]?.breached ?? 0),
            ],
            backgroundColor: [...platforms.map(() => COLOURS.red), ...SEVERITY_COLOURS],
          },
        ],
      },
      options: COUNT_BARS,
    });
    this.draw('backlog', {
      type: 'bar',
      data: {
        labels: Object.keys(s.backlog.bySeverity),
        datasets: [
          { label: 'open', data: Object.values(s.backlog.bySeverity), backgroundColor: SEVERITY_COLOURS },
        ],
      },
      options: COUNT_BARS,
    });
    this.draw('escalations', {
      type: 'bar',
      data: {
        labels: levels.length ? levels : ['none yet'],
        datasets: [
          {
            label: 'sent',
            data: levels.length ? levels.map((l) => s.overall.escalations[l] ?? 0) : [0],
            backgroundColor: COLOURS.amber,
          },
        ],
      },
      options: COUNT_BARS,
    });
  }

  /** Draws a chart once, then updates its data in place (no flicker on a poll). */
  private draw(id: string, config: ChartConfiguration) {
    const canvas = this.querySelector<HTMLCanvasElement>(`#chart-${id}`);
    if (!canvas) return;
    const existing = this.charts.get(id);
    if (existing && existing.canvas === canvas) {
      existing.data = config.data;
      existing.update('none');
      return;
    }
    existing?.destroy();
    this.charts.set(
      id,
      new Chart(canvas, {
        ...config,
        options: { ...config.options, responsive: true, maintainAspectRatio: false, animation: false },
      }),
    );
  }
}

customElements.define('heed-numbers', HeedNumbers);
