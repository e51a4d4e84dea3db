/**
 * SentencePiece `EncodeAsIds` for the Universal Sentence Encoder lite vocabulary: a port of the
 * tokenizer in tensorflow/tfjs-models `universal-sentence-encoder` (Copyright 2019 Google LLC,
 * Apache-2.0), kept faithful to its quirks so the ids (and so the embeddings) are the ones the model
 * was trained with. Ported rather than depended on: that package pins tfjs 3 as a peer and its
 * loader fetches the weights from the network at run time.
 */

/** `[piece, log-probability]`, indexed by token id (vocab.json of the model). */
export type Vocabulary = [string, number][];

/** The first ids are control symbols (unknown, <s>, </s>, …): never matched in text. */
const RESERVED_SYMBOLS = 6;
/** U+2581, SentencePiece's visible word boundary. */
const SEPARATOR = '\u2581';

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Set when a piece ends here. */
  piece?: { length: number; score: number; id: number };
}

const node = (): TrieNode => ({ children: new Map() });

export class SentencePieceTokenizer {
  private readonly root = node();

  constructor(private readonly vocabulary: Vocabulary) {
    for (let id = RESERVED_SYMBOLS; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id]!;
      const symbols = [...piece];
      let at = this.root;
      for (const symbol of symbols) {
        let next = at.children.get(symbol);
        if (!next) {
          next = node();
          at.children.set(symbol, next);
        }
        at = next;
      }
      at.piece = { length: symbols.length, score, id };
    }
  }

  /** Every piece that starts at `start`; an unknown symbol alone (id 0, score 0) when none does. */
  private piecesAt(symbols: string[], start: number) {
    const found: { length: number; score: number; id: number }[] = [];
    let at = this.root.children.get(symbols[start]!);
    for (let i = start; i < symbols.length && at; i++) {
      if (at.piece) found.push(at.piece);
      at = at.children.get(symbols[i + 1]!);
    }
    return found.length > 0 ? found : [{ length: 1, score: 0, id: 0 }];
  }

  /** Token ids of `text`: the most likely segmentation (Viterbi), consecutive unknowns merged. */
  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    const symbols = [...(normalized.length > 0 ? SEPARATOR + normalized.replace(/ /g, SEPARATOR) : '')];
    // Pieces by where they end, then where they start (the reference iterates in that order).
    const lattice: Map<number, { length: number; score: number; id: number }[]>[] = Array.from(
      { length: symbols.length + 1 },
      () => new Map(),
    );
    for (let start = 0; start < symbols.length; start++)
      for (const piece of this.piecesAt(symbols, start)) {
        const ending = lattice[start + piece.length]!;
        ending.set(start, [...(ending.get(start) ?? []), piece]);
      }
    const best = new Array<number>(symbols.length + 1).fill(0);
    const words = new Array<number>(symbols.length + 1).fill(0);
    for (let end = 0; end <= symbols.length; end++) {
      const starts = [...lattice[end]!.keys()].sort((a, b) => a - b);
      for (const start of starts)
        for (const piece of lattice[end]!.get(start)!) {
          const score = piece.score + best[end - piece.length]!;
          if (best[end] === 0 || score >= best[end]!) {
            best[end] = score;
            words[end] = piece.id;
          }
        }
    }
    const ids: number[] = [];
    // Steps back by the piece's UTF-16 length, as the reference does (its vocabulary is all BMP).
    for (let at = words.length - 1; at > 0; at -= this.vocabulary[words[at]!]![0].length)
      ids.push(words[at]!);
    ids.reverse();
    // Runs of unknown symbols become one unknown token.
    return ids.filter((id, i) => !(id === 0 && ids[i - 1] === 0));
  }
}
