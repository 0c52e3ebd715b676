import { describe, expect, it } from 'vitest';
import { ListItemSplitter } from '../../../activities/kube/list-items.js';

// A list page parsed item by item must read exactly what JSON.parse of the whole page reads.

function parse(text: string) {
  const items: unknown[] = [];
  const splitter = new ListItemSplitter((item) => items.push(item));
  splitter.write(Buffer.from(text, 'utf8'));
  return { items, rest: splitter.end() };
}

describe('a list page parsed item by item', () => {
  it('hands over every item and returns the rest of the list without them', () => {
    const page = {
      kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7', continue: 'tok' },
      items: [
        { metadata: { name: 'a', labels: { 'x/y': 'quote " and brace { and bracket [' } }, spec: { items: [1, [2, { z: ']' }]] } },
        { metadata: { name: 'b\\', annotations: { esc: 'back\\\\slash\\"q', unicode: 'é\u2028' } }, status: { conditions: [] } },
        {},
      ],
    };
    const { items, rest } = parse(JSON.stringify(page));
    expect(items).toEqual(page.items);
    expect(rest).toEqual({ ...page, items: [] });
  });

  it('reads pretty-printed pages, empty lists and lists without items', () => {
    const page = { metadata: {}, items: [{ a: 1 }, { b: [2] }] };
    expect(parse(JSON.stringify(page, null, 2)).items).toEqual(page.items);
    expect(parse('{"kind":"PodList","metadata":{},"items":[]}')).toEqual({ items: [], rest: { kind: 'PodList', metadata: {}, items: [] } });
    expect(parse('{"kind":"Status","code":410}')).toEqual({ items: [], rest: { kind: 'Status', code: 410 } });
  });

  it('only takes the top-level items: a nested key of the same name stays where it is', () => {
    const page = { metadata: { items: ['not', 'these'] }, items: [{ n: 1 }] };
    const { items, rest } = parse(JSON.stringify(page));
    expect(items).toEqual([{ n: 1 }]);
    expect(rest).toEqual({ metadata: { items: ['not', 'these'] }, items: [] });
  });

  it('refuses what is not a list of objects, and broken JSON', () => {
    expect(() => parse('{"items":[{"a":1},"x"]}')).toThrow(/not an object/);
    expect(() => parse('{"items":[1]}')).toThrow(/not an object/);
    expect(() => parse('{"items":[{"a":1}')).toThrow(SyntaxError);
    expect(() => parse('{"items":[{"a":"open}]}')).toThrow(/ended inside a string/);
    expect(() => parse('{"items":[{"a":1,}]}')).toThrow(SyntaxError);
    expect(() => parse('[{"a":1}]')).toThrow(/not a JSON object/);
  });

  it('reads the same however the body is cut into chunks, a multi-byte character included', () => {
    const page = {
      metadata: { continue: 'next' },
      items: [{ metadata: { name: 'é-1', labels: { k: 'a \\" [ { ] }' } } }, { metadata: { name: '漢字-2' }, spec: { list: [[], {}] } }],
    };
    const bytes = Buffer.from(JSON.stringify(page), 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const size of [1, 7]) {
        const items: unknown[] = [];
        const s = new ListItemSplitter((item) => items.push(item));
        s.write(bytes.subarray(0, cut));
        for (let at = cut; at < bytes.length; at += size) s.write(bytes.subarray(at, at + size));
        expect(s.end(), `cut at ${cut}, then ${size}-byte chunks`).toEqual({ ...page, items: [] });
        expect(items).toEqual(page.items);
      }
    }
  });
});
