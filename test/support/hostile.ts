import fc from 'fast-check';

// Hostile text for fuzz tests: markup of every output language the reports speak (HTML, SVG/XML,
// Markdown), line breaks and control characters, mixed with arbitrary strings.

export const HOSTILE_PIECES: readonly string[] = [
  '<script>alert(1)</script>', '<script src=//evil.invalid/x.js>', '</svg>', '<svg onload=alert(1)>', ']]>', '<![CDATA[', '<!--', '-->',
  '<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">x</a>', '<style>*{}</style>', '<?xml version="1.0"?>', '<!DOCTYPE x>',
  '"', "'", '`', '``', '&', '&amp;', '&lt;', '&#60;', '&#x3C;', '&#0;', '="', "='", '" onmouseover="alert(1)', "' onfocus='alert(1)",
  'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'http://evil.invalid/', 'https://evil.invalid/<x>',
  '[x](javascript:alert(1))', '![x](http://evil.invalid/x.png)', '<http://evil.invalid>', '[ref]: http://evil.invalid', '[x][ref]',
  '| a | b |', '|', '**bold**', '*', '_i_', '__', '~~s~~', '# h', '## h', '- item', '+ item', '* item', '1. item', '1) item', '> quote',
  '    indented', '\t', '```', '~~~', '---', '===', '\\', '\\|', '\\`', '#', '!', '<', '>',
  '\n', '\r\n', '\r', '\n\n# injected heading\n', '\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b[31m', '\u001f', '\u007f',
  '\u0085', '\u2028', '\u2029', '\ufeff', '\ufffe', '\uffff', '\ud800', '\udfff', '\u202e', '\u200b',
  '${x}', '{{x}}', '%s', 'x'.repeat(300),
];

/** A string built from hostile pieces and arbitrary text; never empty. */
export const hostileString: fc.Arbitrary<string> = fc
  .array(fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_PIECES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  ), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''))
  .filter((s) => s.length > 0);

/** C0 controls other than tab, line feed and carriage return, lone surrogates, U+FFFE/U+FFFF: not allowed in XML. */
export const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
