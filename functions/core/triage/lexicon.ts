/** A compact sentiment lexicon (AFINN-style polarity), enough to place tone on −1…1 and to explain it. */
const POSITIVE = new Set(
  'thank thanks thx love loved lovely great awesome amazing excellent perfect best helpful appreciate appreciated happy glad good nice fantastic wonderful brilliant superb kind quick fast resolved fixed works working pleased delighted impressed recommend enjoy enjoyed cool fun beautiful smooth easy'.split(
    ' ',
  ),
);
const NEGATIVE = new Set(
  'terrible worst awful horrible bad poor broken useless ridiculous unacceptable disappointed disappointing disgusting rude angry annoyed annoying frustrated frustrating hate hated fail failed failure wrong error problem problems issue issues late delayed delay cancelled canceled lost missing stuck crash crashed crashing slow scam fraud refund complaint complain sucks suck shit crap joke pathetic incompetent waste wasted never nobody ignored ignoring unhappy upset sad worse damaged faulty defective overcharged charged sick cold dirty expensive lies lied liar stolen nightmare shocking shameful disgrace outrageous'.split(
    ' ',
  ),
);

export function lexiconSentiment(tokens: readonly string[]): {
  positive: number;
  negative: number;
  score: number;
} {
  let positive = 0;
  let negative = 0;
  for (const token of tokens) {
    if (POSITIVE.has(token)) positive++;
    else if (NEGATIVE.has(token)) negative++;
  }
  const score =
    ((positive - negative) / Math.max(1, positive + negative)) * Math.min(1, (positive + negative) / 2);
  return { positive, negative, score: Math.max(-1, Math.min(1, score)) };
}
