"""The one stylesheet every report page carries inline (no fonts or files to fetch)."""

from __future__ import annotations

__all__ = ["REPORT_CSS"]

REPORT_CSS = """
:root { --ink: #1d2733; --muted: #5b6875; --line: #d9dee4; --band: #f4f6f8; --accent: #2f5d8a;
        --ok: #2e7d4f; --bad: #b3261e; --warn: #8a5a00; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main.report { max-width: 1360px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 .2em; }
h2 { font-size: 1.25rem; margin: 1.6em 0 .5em; padding-bottom: .25em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.3em 0 .4em; }
p, li { max-width: 75ch; }
a { color: var(--accent); }
.report-header { margin-bottom: 1.2em; }
.report-header .subtitle { color: var(--muted); margin: 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: .8rem; font-weight: 600;
         border: 1px solid currentColor; white-space: nowrap; }
.badge-ok { color: var(--ok); } .badge-failed { color: var(--bad); } .badge-skipped { color: var(--muted); }
.badge-leadership { color: var(--warn); }
.table-wrap { overflow-x: auto; max-width: 100%; margin: .6em 0 1.2em; border: 1px solid var(--line);
              border-radius: 4px; }
table.data { border-collapse: collapse; width: 100%; font-size: .9rem; font-variant-numeric: tabular-nums; }
table.data caption { caption-side: top; text-align: left; padding: 6px 10px; color: var(--muted); font-size: .85rem; }
table.data th, table.data td { padding: 6px 10px; text-align: left; vertical-align: top;
                               border-bottom: 1px solid var(--line); overflow-wrap: break-word; }
table.data th { background: var(--band); font-weight: 600; }
table.data td { max-width: 32ch; }
table.data .num { text-align: right; white-space: nowrap; }
table.data tbody tr:nth-child(even) td { background: #fafbfc; }
.missing { color: var(--muted); }
.note { padding: 8px 12px; border-left: 4px solid var(--accent); background: var(--band); }
.note-warning { border-color: var(--warn); } .note-nodata { border-color: var(--muted); color: var(--muted); }
.note-error { border-color: var(--bad); }
pre.error { white-space: pre-wrap; overflow-wrap: anywhere; background: #fdf3f2; border: 1px solid #f0c8c4;
            padding: 8px 10px; font-size: .85rem; max-height: 16em; overflow-y: auto; }
figure.chart { margin: .8em 0 1.4em; max-width: 100%; overflow-x: auto; }
figure.chart svg.chart-svg { max-width: 100%; height: auto; display: block; }
figure.chart figcaption { color: var(--muted); font-size: .85rem; margin-top: .3em; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: .6em 0 1.2em; padding: 0; list-style: none; }
.kpis li { border: 1px solid var(--line); border-radius: 4px; padding: 8px 14px; min-width: 9em; }
.kpis .kpi-value { display: block; font-size: 1.3rem; font-weight: 600; }
.kpis .kpi-label { display: block; color: var(--muted); font-size: .8rem; }
nav.toc { border: 1px solid var(--line); border-radius: 4px; padding: 6px 14px; margin: .8em 0 1.2em; background: var(--band); }
nav.toc .toc-title { font-weight: 600; margin: .2em 0; }
nav.toc ul { margin: .2em 0 .4em; padding-left: 0; list-style: none; columns: 2 18em; }
nav.toc li { margin: .15em 0; }
section.glossary dl { margin: .4em 0; }
section.glossary dt { font-weight: 600; margin-top: .7em; }
section.glossary dd { margin: .1em 0 0 0; }
section.glossary .how { display: block; color: var(--muted); font-size: .85rem; }
/* nbconvert's cell wrappers: no prompts, no boxes */
.jp-Cell, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output, .cell, .output_wrapper, .output,
.output_area, .output_subarea { margin: 0; padding: 0; border: 0; }
.jp-InputPrompt, .jp-OutputPrompt, .prompt, .anchor-link { display: none; }
.jp-RenderedText pre, .output_text pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; }
footer.report-footer { margin-top: 3em; padding-top: .8em; border-top: 1px solid var(--line);
                       color: var(--muted); font-size: .8rem; }
/* Desktops and tablets: compact tables; when one is still wider than the window its first column stays in view. */
@media (min-width: 641px) {
  table.data { font-size: .85rem; }
  table.data th, table.data td { padding: 5px 7px; }
  table.data th:first-child, table.data td:first-child { position: sticky; left: 0; background: #fff;
                                                          box-shadow: 1px 0 0 var(--line); }
  table.data th:first-child { background: var(--band); }
}
/* Phones: a wide table becomes one card per row, each value beside its column's label; nothing scrolls sideways. */
@media (max-width: 640px) {
  .table-wrap { overflow-x: visible; border: 0; }
  table.data thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.data, table.data tbody, table.data tr, table.data td { display: block; width: 100%; box-sizing: border-box; }
  table.data caption { display: block; padding-left: 0; }
  table.data tr { border: 1px solid var(--line); border-radius: 4px; margin: 0 0 10px; }
  table.data td { max-width: none; display: flex; justify-content: space-between; gap: 12px; text-align: right;
                  white-space: normal; }
  table.data td::before { content: attr(data-label); font-weight: 600; text-align: left; flex: 0 0 45%; }
  table.data tbody tr:nth-child(even) td { background: none; }
  .kpis li { min-width: 0; flex: 1 1 40%; }
  /* A chart keeps its drawn size, so its 10-11 px labels stay readable; the figure scrolls sideways instead
     (scaled to the screen, a 640 px chart's labels shrank to 5-6 px). */
  figure.chart svg.chart-svg { max-width: none; }
}
@media print {
  body { font-size: 10.5pt; }
  main.report { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  .table-wrap { overflow: visible; border: 0; }
  table.data { font-size: 8.5pt; }
  table.data th { white-space: normal; }
  table.data td { max-width: none; }
  tr, figure.chart, .note, .kpis li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  pre.error { max-height: none; overflow: visible; }
}
"""
