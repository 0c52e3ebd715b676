// A list's items parsed one at a time, as the response arrives. JSON.parse of a whole page of
// 500 pods builds every pod's objects (managedFields, container specs, statuses) at once, about
// 15 MB; with the worker's 1 MB young generation they are promoted before they die, and the RSS
// keeps the pages they took (BENCHMARKS.md, "what a drain holds live"). The page's text is a
// further 2 MB string outside the V8 heap, whose memory glibc does not give back. Here the body's
// bytes are scanned as they come: only where each item starts and ends is found (UTF-8 never
// puts a byte below 0x80 inside a multi-byte character, so the structural bytes are safe to
// match), each item is decoded and handed to JSON.parse on its own, and JSON.parse still does all
// the parsing and validation. (A streaming tokenizer, stream-json, was far slower: BENCHMARKS.md.)

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Splits a list's JSON (`{"metadata": …, "items": [ … ]}`), fed in chunks, into its items: each
 * element of the top-level `items` array goes to `onItem` as soon as its last byte arrives.
 * `end()` returns the rest of the list (its metadata, with the continue token) with `items`
 * left empty. Elements must be objects, as in every Kubernetes list.
 */
export class ListItemSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Bytes of the top-level string being read; the last one read names a top-level array. */
  private topString: number[] | undefined;
  private lastTopString = '';
  private items: 'before' | 'in' | 'after' = 'before';
  private inItem = false;
  /** The current item's bytes from earlier chunks. */
  private itemParts: Buffer[] = [];
  /** Everything but the items, to parse the list's own fields at the end. */
  private outside: Buffer[] = [];
  private offset = 0;

  constructor(private readonly onItem: (item: unknown) => void) {}

  write(chunk: Uint8Array): void {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let itemFrom = this.inItem ? 0 : -1;
    let outsideFrom = this.items === 'in' ? -1 : 0;
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.topString) {
            this.lastTopString = Buffer.from(this.topString).toString('utf8');
            this.topString = undefined;
          }
        }
        if (this.topString && this.inString) this.topString.push(c);
        continue;
      }
      const between = this.items === 'in' && this.depth === 2;
      if (c === QUOTE) {
        if (between) this.fail(i, 'is not an object');
        this.inString = true;
        if (this.depth === 1) this.topString = [];
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (between) {
          if (c !== OPEN_OBJECT) this.fail(i, 'is not an object');
          this.inItem = true;
          itemFrom = i;
        } else if (this.depth === 1 && c === OPEN_ARRAY && this.items === 'before' && this.lastTopString === 'items') {
          this.items = 'in';
          this.outside.push(buf.subarray(outsideFrom, i + 1));
          outsideFrom = -1;
        }
        this.depth++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        this.depth--;
        if (this.depth < 0) this.fail(i, 'closes more than it opened');
        if (this.items === 'in' && this.depth === 2 && this.inItem) {
          this.emit(buf.subarray(itemFrom, i + 1));
          itemFrom = -1;
        } else if (this.items === 'in' && this.depth === 1) {
          this.items = 'after';
          outsideFrom = i;
        }
      } else if (between && !isSpace(c) && c !== COMMA) {
        this.fail(i, 'is not an object');
      }
    }
    if (this.inItem && itemFrom >= 0) this.itemParts.push(Buffer.from(buf.subarray(itemFrom)));
    if (outsideFrom >= 0) this.outside.push(Buffer.from(buf.subarray(outsideFrom)));
    this.offset += buf.length;
  }

  /** The list without its items, once the whole body has been written. */
  end(): Record<string, unknown> {
    if (this.depth !== 0 || this.inString) throw new SyntaxError('a list page ended inside a string, object or array');
    const parsed: unknown = JSON.parse(Buffer.concat(this.outside).toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SyntaxError('a list page is not a JSON object');
    return parsed as Record<string, unknown>;
  }

  private emit(last: Buffer): void {
    const bytes = this.itemParts.length ? Buffer.concat([...this.itemParts, last]) : last;
    this.itemParts = [];
    this.inItem = false;
    this.onItem(JSON.parse(bytes.toString('utf8')));
  }

  private fail(i: number, what: string): never {
    throw new SyntaxError(`the list item at byte ${this.offset + i} of a list page ${what}`);
  }
}
