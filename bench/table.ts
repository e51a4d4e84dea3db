// Prints bench/results.json as the markdown table docs/PERFORMANCE.md carries:
// `node --import tsx bench/table.ts` after `npm run bench`.
import { readFileSync } from 'node:fs';

interface Row {
  group: string;
  name: string;
  unit: string;
  heed: number;
  floor: number | null;
  ratio: number | null;
  better: 'lower' | 'higher';
  budget?: number;
  withinBudget: boolean;
}
const { figures } = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8')) as { figures: Row[] };
const show = (n: number | null) => (n === null || !Number.isFinite(n) ? '—' : Number(n.toPrecision(4)).toLocaleString('en'));
console.log('| group | figure | Heed | floor | ratio | budget |');
console.log('|---|---|---|---|---|---|');
for (const f of figures) {
  const budget =
    f.budget === undefined ? '' : `${f.better === 'lower' ? '≤' : '≥'} ${f.budget}×: ${f.withinBudget ? 'met' : '**not met**'}`;
  const ratio = f.ratio === null || !Number.isFinite(f.ratio) ? '—' : `${f.ratio.toFixed(2)}×`;
  console.log(`| ${f.group} | ${f.name} | ${show(f.heed)} ${f.unit} | ${show(f.floor)} ${f.floor === null ? '' : f.unit} | ${ratio} | ${budget} |`);
}
