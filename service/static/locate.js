// Finding a citation's quote in a page's text layer, and marking it.
//
// The text layer (PDF.js) and the service's cleaned page text differ in whitespace, line
// breaks and hyphenation, so both sides are compared with all whitespace removed, after NFKC.
// A hyphen that ends a line of the layer may have been joined away by the cleaning: a second
// pass drops those. When the quote occurs more than once, the citation's character offset in
// the cleaned text picks the occurrence. Nothing is marked unless the very text of the quote
// is found: a wrong highlight is worse than none.

const SPACE = /\s/u;
const LINE_END_HYPHENS = new Set(["-", "\u00ad", "\u2010", "\u2011"]);

/** `text` after NFKC with every whitespace character removed. */
export function squeeze(text) {
  return text.normalize("NFKC").replace(/\s+/gu, "");
}

/** Whitespace-free text of the layer's spans, with where each character came from. */
function flatten(texts, dropLineEndHyphens) {
  let flat = "";
  const where = []; // per character of `flat`: [span index, start, end] in that span's text
  texts.forEach((text, span) => {
    let last = text.length;
    while (last > 0 && SPACE.test(text[last - 1])) last -= 1;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i);
      const ch = String.fromCodePoint(cp);
      const next = i + ch.length;
      const lineEndHyphen = dropLineEndHyphens && next === last && LINE_END_HYPHENS.has(ch);
      if (!SPACE.test(ch) && !lineEndHyphen) {
        for (const c of ch.normalize("NFKC").replace(/\s+/gu, "")) {
          flat += c;
          where.push([span, i, next]);
        }
      }
      i = next;
    }
  });
  return { flat, where };
}

function occurrences(haystack, needle) {
  const found = [];
  if (!needle) return found;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    found.push(at);
  }
  return found;
}

/** Which occurrence (0-based) of `quote` the cleaned `pageText` has at `charStart`, with how
 * many there are and where it sits (0..1); null when the offsets do not help. */
function cleanedOccurrence(pageText, charStart, quote) {
  if (typeof pageText !== "string" || typeof charStart !== "number") return null;
  const before = squeeze(pageText.slice(0, charStart)).length;
  const all = occurrences(squeeze(pageText), quote);
  const index = all.indexOf(before);
  if (index === -1) return null;
  return { index, count: all.length, position: before / Math.max(1, squeeze(pageText).length) };
}

/**
 * Where `quote` is among `texts` (the text of each span of the layer, in order).
 * Returns [{span, start, end}] (one piece per span touched) or null when it is not there.
 * `pageText`/`charStart`: the cleaned page text and the quote's offset in it (optional).
 */
export function locate(texts, quote, pageText = null, charStart = null) {
  const needle = squeeze(quote);
  if (!needle) return null;
  for (const drop of [false, true]) {
    const { flat, where } = flatten(texts, drop);
    const found = occurrences(flat, needle);
    if (found.length === 0) continue;
    let at = found[0];
    if (found.length > 1) {
      const hint = cleanedOccurrence(pageText, charStart, needle);
      if (hint === null) return null; // several places and nothing to choose by
      if (hint.count === found.length) {
        at = found[hint.index];
      } else {
        const target = hint.position * flat.length;
        at = found.reduce((a, b) => (Math.abs(b - target) < Math.abs(a - target) ? b : a));
      }
    }
    return pieces(where.slice(at, at + needle.length));
  }
  return null;
}

function pieces(chars) {
  const out = [];
  for (const [span, start, end] of chars) {
    const last = out[out.length - 1];
    if (last && last.span === span) {
      last.end = Math.max(last.end, end);
    } else {
      out.push({ span, start, end });
    }
  }
  return out;
}

/** Wrap each piece in `<mark data-testid="highlight">`; returns the marks, in order. */
export function mark(spans, found) {
  const marks = [];
  for (const { span, start, end } of found) {
    const el = spans[span];
    const text = el.textContent;
    const m = document.createElement("mark");
    m.className = "quote";
    m.dataset.testid = "highlight";
    m.textContent = text.slice(start, end);
    el.replaceChildren(text.slice(0, start), m, text.slice(end));
    marks.push(m);
  }
  return marks;
}
