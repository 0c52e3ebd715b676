// A list page's items parsed one at a time. JSON.parse of a whole page of 500 pods builds every
// pod's objects (managedFields, container specs, statuses) at once, about 15 MB; with the worker's
// 1 MB young generation they are promoted before they die and the RSS keeps the pages they took
// (BENCHMARKS.md, "what a drain holds live"). Parsed item by item, each pod's objects are garbage
// a scavenge takes while the next one is read. The scan only finds where each item starts and
// ends (it skips strings whole); JSON.parse still does all the parsing and all the validation.
// A streaming tokenizer (stream-json) was measured 26 times slower than this over the same pages.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Index just past the string whose opening quote is at `at`. */
function afterString(text: string, at: number): number {
  for (let from = at + 1; ;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) throw new SyntaxError(`unterminated string at position ${at} of a list page`);
    let slash = quote - 1;
    while (text.charCodeAt(slash) === BACKSLASH) slash--;
    // An even run of backslashes escapes itself, not the quote.
    if ((quote - 1 - slash) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * Parses a list's JSON (`{"metadata": …, "items": [ … ]}`), handing each element of the top-level
 * `items` array to `onItem` as soon as it is parsed; returns the rest of the list (its metadata,
 * with the continue token) with `items` left empty. Elements must be objects, as in every
 * Kubernetes list.
 */
export function parseListByItem(text: string, onItem: (item: unknown) => void, key = 'items'): Record<string, unknown> {
  let depth = 0;
  // The last string read at the top level: before a `[` there, it is the array's key.
  let lastTopString = '';
  let arrayStart = -1;
  let arrayEnd = -1;
  let itemStart = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = afterString(text, i);
      if (depth === 1) lastTopString = text.slice(i + 1, end - 1);
      else if (depth === 2 && arrayStart >= 0 && arrayEnd < 0) throw new SyntaxError(`list item at position ${i} is not an object`);
      i = end - 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === 1 && c === OPEN_ARRAY && arrayStart < 0 && lastTopString === key) arrayStart = i;
      else if (depth === 2 && arrayStart >= 0 && arrayEnd < 0) itemStart = i;
      depth++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (arrayStart >= 0 && arrayEnd < 0) {
        if (depth === 2 && itemStart >= 0) {
          onItem(JSON.parse(text.slice(itemStart, i + 1)));
          itemStart = -1;
        } else if (depth === 1) arrayEnd = i;
      }
    } else if (depth === 2 && arrayStart >= 0 && arrayEnd < 0 && c > 0x20 && c !== COMMA) {
      throw new SyntaxError(`list item at position ${i} is not an object`);
    }
  }
  if (depth !== 0) throw new SyntaxError('a list page ended inside an object or array');
  const rest = arrayEnd < 0 ? text : `${text.slice(0, arrayStart)}[]${text.slice(arrayEnd + 1)}`;
  const parsed: unknown = JSON.parse(rest);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SyntaxError('a list page is not a JSON object');
  return parsed as Record<string, unknown>;
}
