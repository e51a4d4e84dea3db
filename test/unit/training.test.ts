import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorrections } from '../../lib/training/cli.ts';
import {
  CSV_HEADER,
  fromCsvText,
  type LabelledTweet,
  parseCsv,
  toCsvField,
} from '../../lib/training/dataset.ts';
import { seededRandom } from '../../lib/training/linear.ts';
import { macroF1, stratifiedFolds } from '../../lib/training/metrics.ts';
import {
  choose,
  GRID,
  nestedEvaluation,
  prepareExamples,
  TRAINING_CONFIG,
  trainShippedModel,
} from '../../lib/training/triage-training.ts';

// A small synthetic corpus whose labels follow the words, so a working pipeline must learn them.
const LEVEL_WORDS = [
  'please help',
  'so disappointed',
  'you charged me twice',
  'your fault, incompetent clowns',
];
const FILLERS = ['order', 'parcel', 'flight', 'phone', 'account', 'bill', 'router', 'ticket', 'card', 'app'];

function corpus(): LabelledTweet[] {
  const rows: LabelledTweet[] = [];
  const add = (text: string, complaint: 0 | 1, severity: number | null, brandDirected = true) =>
    rows.push({ id: String(rows.length), text, complaint, severity, domain: 'test', brandDirected });
  for (let n = 0; n < 30; n++) {
    const thing = FILLERS[n % FILLERS.length]!;
    LEVEL_WORDS.forEach((words, level) => {
      add(`@brand my ${thing} is broken ${words}`, 1, level + 1);
    });
    add(`@brand thanks, love the new ${thing}`, 0, 0);
    add(`@brand lovely ${thing}, great job`, 0, 0);
    add(`sunny weekend with my ${thing}`, 0, 0, false);
  }
  add('@brand broken, unknown severity', 1, null);
  return rows;
}

describe('triage training', () => {
  const data = corpus();
  const embeddings = new Map<string, Float64Array>();
  // A stand-in sentence embedding that carries the label (a working stack must learn to use it)
  // plus noise, so the inner folds have something to choose between.
  const random = seededRandom(3);
  const sentences = data.map((d) =>
    Float32Array.from({ length: 8 }, (_, k) => (k === 0 ? d.complaint - 0.5 : 0) + (random() - 0.5) * 0.2),
  );
  const examples = prepareExamples(data, embeddings, sentences);

  it('scores every row out of fold with settings chosen inside each outer training set only', () => {
    const report = nestedEvaluation(examples, [7]);
    expect(report.n).toEqual({
      all: data.length,
      brandDirected: data.filter((d) => d.brandDirected).length,
      unaddressed: 0,
      complaints: 120,
    });
    const [seed] = report.seeds;
    expect(seed!.complaint.brandDirected.macroF1).toBeGreaterThan(0.95);
    expect(seed!.clock.recall).toBeGreaterThan(0.95);
    expect(seed!.severityMacroF1).toBeGreaterThan(0.9);
    // One choice per outer fold, each from the grid.
    expect(seed!.choices).toHaveLength(TRAINING_CONFIG.outerFolds);
    for (const choice of seed!.choices) {
      expect(GRID.sparseL2).toContain(choice.sparseL2);
      expect(GRID.reproachShare).toContain(choice.reproachShare);
      expect(choice.threshold).toBeGreaterThan(0);
      expect(choice.threshold).toBeLessThanOrEqual(0.5);
    }
  });

  it('chooses on the rows it is given and nothing else', () => {
    const rows = examples.map((_, i) => i).filter((i) => i % 2 === 0);
    const changed = examples.map((e, i) =>
      rows.includes(i) ? e : { ...e, tweet: { ...e.tweet, complaint: (1 - e.tweet.complaint) as 0 | 1 } },
    );
    expect(choose(changed, rows, 5)).toEqual(choose(examples, rows, 5));
  });

  it('rebuilds the same model bit for bit from the same file', () => {
    const first = JSON.stringify(trainShippedModel(examples, embeddings, 'file'));
    expect(JSON.stringify(trainShippedModel(examples, embeddings, 'file'))).toBe(first);
    const model = JSON.parse(first);
    expect(model.trainedOn.rows).toBe(data.length);
    expect(model.reproach.weights['w:disappointed']).toHaveLength(4);
    expect(model.complaint.sentence.weights).toHaveLength(2);
    expect(model.complaint.sentence.weights[0]).toHaveLength(8);
    // The stand-in embedding carries the label: the stack leans on it.
    expect(model.complaint.stack.sentence).toBeGreaterThan(0);
  });
});

describe('agents’ corrections as training data', () => {
  it('keeps the latest label per message, and the agent’s over the dev file’s', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'heed-corrections-'));
    const file = path.join(dir, 'export.csv');
    writeFileSync(
      file,
      [
        CSV_HEADER.join(','),
        '1,@brand where is my parcel,0,0,non-complaint,heed-x,1',
        '2,@brand great stuff,0,0,non-complaint,heed-x,1',
        '1,@brand where is my parcel,1,2,disapproval,heed-x,1',
      ].join('\n'),
    );
    const dev: LabelledTweet[] = [
      { id: '2', text: '@brand great stuff', complaint: 1, severity: 1, domain: 'x', brandDirected: true },
      { id: '3', text: '@brand hello', complaint: 0, severity: 0, domain: 'x', brandDirected: true },
    ];
    const corrections = loadCorrections(file, dev);
    rmSync(dir, { recursive: true, force: true });
    expect(corrections.map((c) => [c.id, c.complaint])).toEqual([
      ['1', 1],
      ['2', 0],
    ]);
    expect(dev.map((d) => d.id)).toEqual(['3']);
  });
});

describe('training metrics', () => {
  it('computes macro-F1 over the listed classes, absent classes scoring 0', () => {
    expect(macroF1([0, 0, 1, 1], [0, 0, 1, 1], [0, 1])).toBe(1);
    // class 0: P 1/2 R 1/2 → F1 0.5; class 1: P 1/2 R 1/2 → 0.5
    expect(macroF1([0, 0, 1, 1], [0, 1, 0, 1], [0, 1])).toBeCloseTo(0.5);
    expect(macroF1([0, 0], [0, 0], [0, 1])).toBe(0.5);
  });

  it('deals stratified folds: every class spread evenly, deterministically', () => {
    const labels = [...Array(40).fill(0), ...Array(20).fill(1)];
    const folds = stratifiedFolds(labels, 10, seededRandom(7));
    for (let f = 0; f < 10; f++) {
      expect(labels.filter((l, i) => l === 0 && folds[i] === f)).toHaveLength(4);
      expect(labels.filter((l, i) => l === 1 && folds[i] === f)).toHaveLength(2);
    }
    expect(stratifiedFolds(labels, 10, seededRandom(7))).toEqual(folds);
  });
});

describe('CSV export of customer text', () => {
  it('never writes a cell a spreadsheet would run as a formula, and reads the words back unchanged', () => {
    for (const text of [
      '=HYPERLINK("http://evil.example","refund")',
      '+1 555',
      '-2 stars',
      '@brand hi',
      '\tx',
    ]) {
      const cell = toCsvField(text);
      const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
      expect(unquoted).toMatch(/^'/);
      expect(fromCsvText(parseCsv(`${cell}\n`)[0]![0]!)).toBe(text);
    }
    expect(toCsvField('plain, with comma')).toBe('"plain, with comma"');
  });
});
