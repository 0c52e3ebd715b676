// The stylesheet inlined in every HTML report and in the history index: self-contained, no web
// fonts, legible on screen and on paper (A4, page one on its own page, colours kept in print).

export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1b1b1b; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1010px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 26px; margin: 2px 0 14px; line-height: 1.2; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 26px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #1b1b1b; }
h3 { font-size: 14px; margin: 16px 0 6px; }
p { margin: 6px 0; }
.kicker { margin: 0; color: #555; font-size: 12px; letter-spacing: .06em; text-transform: uppercase; }
.verdict { display: flex; gap: 14px; align-items: center; padding: 12px 16px; margin: 0 0 8px; border: 1px solid; border-left-width: 10px; border-radius: 4px; }
.verdict .symbol { font-size: 30px; font-weight: 700; line-height: 1; min-width: 30px; text-align: center; }
.verdict strong { font-size: 18px; }
.verdict p { margin: 2px 0 0; overflow-wrap: anywhere; }
.outcome-passed { background: #e9f5ec; border-color: #2d7a3e; }
.outcome-failed, .outcome-error { background: #fbeaea; border-color: #a4241c; }
.outcome-aborted, .outcome-inconclusive { background: #fff4dc; border-color: #9a6700; }
.outcome-refused, .outcome-skipped { background: #eef1f5; border-color: #5a6b80; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 6px 0; }
dl.facts dt { font-weight: 600; color: #333; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #c9c9c9; overflow-wrap: anywhere; }
th { overflow-wrap: normal; background: #eceff3; border-bottom: 2px solid #8a8f98; font-weight: 600; }
table.objectives td:nth-child(2), table.objectives td:nth-child(3) { white-space: nowrap; }
ul { margin: 6px 0; padding-left: 22px; }
li { margin: 2px 0; overflow-wrap: anywhere; }
code { font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.tone-good { color: #1e6b34; }
.tone-bad { color: #a4241c; font-weight: 600; }
.tone-warn { color: #7a4f00; }
figure { margin: 8px 0; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: #555; font-size: 12px; }
footer { margin-top: 30px; color: #555; font-size: 12px; border-top: 1px solid #c9c9c9; padding-top: 8px; overflow-wrap: anywhere; }
a { color: #1f4e9c; }
@media print {
  @page { size: A4; margin: 13mm 12mm 15mm; }
  body { font-size: 10pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 20pt; }
  h2 { font-size: 13pt; margin-top: 16px; break-after: avoid; }
  h3 { break-after: avoid; }
  .page-one { break-after: page; }
  table { font-size: 9pt; }
  tr, figure, .verdict, dl.facts { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
