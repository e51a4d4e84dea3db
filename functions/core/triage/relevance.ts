/**
 * Does a message speak of the brand? A listened message (a feed entry, a keyword search result) was
 * not sent to the brand: it may be angry about something else, or about another brand with a
 * similar word. It is relevant when it names one of the brand's terms as a word or phrase of its
 * own ("Acme" in "#acme", "@Acme" or "Acme's", not in "Acmeville"), case and accents aside.
 */
export function mentionedTerm(text: string, terms: readonly string[]): string | undefined {
  const haystack = fold(text);
  return terms.find((term) => {
    const needle = fold(term).trim();
    if (!needle) return false;
    let from = 0;
    for (;;) {
      const at = haystack.indexOf(needle, from);
      if (at < 0) return false;
      const before = haystack[at - 1];
      const after = haystack[at + needle.length];
      if (!isWordChar(before) && !isWordChar(after)) return true;
      from = at + 1;
    }
  });
}

/** Lower case without accents, so "Café" matches "cafe". */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}
