// The tower's styles on top of the report's: navigation, run cards, badges, forms. Cards and
// scrollable table regions keep every page usable from 390 px phones to 1280 px screens; every
// control has a visible focus ring.

export const TOWER_CSS = `
main { max-width: 1180px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip { position: absolute; left: 8px; top: -40px; background: #fff; padding: 6px 10px; border: 2px solid #1f4e9c; z-index: 2; }
.skip:focus { top: 8px; }
nav.top { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: center; padding: 0 0 10px; margin-bottom: 12px; border-bottom: 2px solid #1b1b1b; }
nav.top .brand { font-weight: 700; margin-right: 10px; }
nav.top a { padding: 6px 2px; text-decoration: none; border-bottom: 3px solid transparent; }
nav.top a[aria-current="page"] { border-bottom-color: #1b1b1b; font-weight: 700; color: #1b1b1b; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible, [tabindex]:focus-visible { outline: 3px solid #1f4e9c; outline-offset: 2px; }
.live-status { font-size: 12px; color: #555; margin: 0 0 10px; }
.badge { display: inline-block; padding: 1px 8px; border: 1px solid; border-radius: 10px; font-size: 13px; line-height: 1.5; white-space: normal; overflow-wrap: normal; }
.badge .sym { font-weight: 700; }
.badge.tone-good { color: #1e6b34; border-color: #2d7a3e; background: #e9f5ec; font-weight: 400; }
.badge.tone-bad { color: #8c1d16; border-color: #a4241c; background: #fbeaea; font-weight: 600; }
.badge.tone-warn { color: #6b4500; border-color: #9a6700; background: #fff4dc; }
.badge.tone-info { color: #163d7a; border-color: #1f4e9c; background: #e8eef8; }
.badge.tone-idle { color: #444; border-color: #8a8f98; background: #f3f4f6; }
.runs { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 14px; }
article.run { border: 1px solid #8a8f98; border-left-width: 6px; border-radius: 4px; padding: 10px 14px; min-width: 0; }
article.run h3 { margin: 0 0 6px; font-size: 16px; overflow-wrap: anywhere; }
article.run .kind { font-weight: 400; color: #555; font-size: 12px; }
.scroll { overflow-x: auto; max-width: 100%; }
table.probes td, table.probes th { padding: 3px 6px; }
form.action { display: grid; gap: 8px; max-width: 560px; padding: 10px 12px; border: 1px solid #8a8f98; border-radius: 4px; margin: 8px 0; }
form.action label { font-weight: 600; }
form.action .hint { font-size: 12px; color: #555; margin: 0; }
input[type=text], select, textarea { font: inherit; padding: 7px 8px; border: 1px solid #555; border-radius: 3px; width: 100%; max-width: 100%; }
button { font: inherit; font-weight: 600; padding: 8px 16px; border-radius: 4px; border: 2px solid #1b1b1b; background: #fff; cursor: pointer; justify-self: start; min-height: 40px; }
button.approve { background: #e9f5ec; border-color: #2d7a3e; }
button.abort { background: #fbeaea; border-color: #a4241c; }
.notice { padding: 8px 12px; border: 1px solid #1f4e9c; border-left-width: 6px; background: #e8eef8; border-radius: 4px; }
.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin: 8px 0 14px; }
.filters label { display: grid; gap: 3px; font-weight: 600; min-width: 160px; }
@media (max-width: 640px) {
  main { padding: 14px 12px 30px; }
  h1 { font-size: 22px; }
  .runs { grid-template-columns: 1fr; }
  dl.facts { grid-template-columns: 1fr; gap: 0; }
  dl.facts dd { margin-bottom: 6px; }
  table { font-size: 12px; }
  /* The journal as one block per entry: four columns do not fit a phone. */
  table.journal thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.journal tr { display: block; padding: 6px 0; border-bottom: 1px solid #c9c9c9; }
  table.journal td { display: inline; border: 0; padding: 0 6px 0 0; }
  table.journal td:last-child { display: block; padding-top: 2px; }
}
`;
