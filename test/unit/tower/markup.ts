import { XML_INVALID } from '../../support/hostile.js';

// What input text could have turned into markup in a tower page: any tag the templates do not
// write themselves, event-handler attributes, links with a scheme that can run script, a script
// other than the tower's own file, raw entities, ids that are not plain names.

const TAGS = new Set([
  'html', 'head', 'meta', 'title', 'style', 'script', 'body', 'main', 'nav', 'div', 'p', 'h1', 'h2', 'h3', 'section', 'article', 'dl', 'dt', 'dd',
  'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'li', 'span', 'strong', 'small', 'code', 'br', 'a', 'figure', 'figcaption',
  'form', 'label', 'input', 'button', 'select', 'option', 'details', 'summary',
  'svg', 'desc', 'defs', 'pattern', 'g', 'rect', 'line', 'path', 'circle', 'text',
]);
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*(?:="[^"<>]*")?)*)\s*(\/?)>/y;
const ATTR = /([a-zA-Z][a-zA-Z0-9:-]*)(?:="([^"]*)")?/g;
const ENTITY = /&(?!(?:amp|lt|gt|quot|#39);)/;

export function markupProblems(out: string): string[] {
  const problems: string[] = [];
  const body = out.replace(/^<!doctype html>\n/, '').replace(/<style>[^<]*<\/style>/g, '<style></style>');
  for (let at = body.indexOf('<'); at >= 0; at = body.indexOf('<', at + 1)) {
    TAG.lastIndex = at;
    const m = TAG.exec(body);
    if (!m) {
      problems.push(`stray "<": ${JSON.stringify(body.slice(at, at + 60))}`);
      continue;
    }
    const name = m[2]!.toLowerCase();
    if (!TAGS.has(name)) problems.push(`unexpected tag <${name}>`);
    if (name === 'script' && !m[1] && m[3]!.trim() !== 'src="/static/live.js" defer') problems.push(`a script other than the tower's: ${m[0]}`);
    for (const [, attr, value = ''] of m[3]!.matchAll(ATTR)) {
      if (/^on/i.test(attr!)) problems.push(`event handler attribute ${attr}`);
      if ((attr === 'href' || attr === 'action' || attr === 'src' || attr === 'data-src') && !/^(https?:\/\/|#|\/)/.test(value) && /^[^/?#]*:/.test(value)) problems.push(`${attr} ${JSON.stringify(value)}`);
      if ((attr === 'href' || attr === 'action') && /^\/\//.test(value)) problems.push(`protocol-relative ${attr} ${JSON.stringify(value)}`);
      if (attr === 'id' && !/^[\w-]+$/.test(value)) problems.push(`id ${JSON.stringify(value)}`);
    }
  }
  const raw = ENTITY.exec(body.replace(/<style><\/style>/g, ''));
  if (raw) problems.push(`unescaped "&": ${JSON.stringify(body.slice(raw.index, raw.index + 30))}`);
  if (XML_INVALID.test(out)) problems.push(`a character not allowed in XML: ${JSON.stringify(out.match(XML_INVALID)?.[0])}`);
  return problems;
}

export const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;
