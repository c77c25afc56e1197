"""``index.html``: the page a VP opens first.

It shows the run's status and timing, every report with a link, each failure
with its error (and the traceback folded away), and marks the reports meant
for leadership only. All text from the data (names, ids, errors) is escaped.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..present.escape import escape_multiline, escape_text
from ..present.html import page_html
from .manifest import NotebookStatus

__all__ = ["render_index"]

_BADGE_TEXT = {"ok": "Ready", "failed": "Failed", "pending": "Not run", "skipped": "Not selected"}


def _badge(status: str) -> str:
    css = {"ok": "ok", "failed": "failed"}.get(status, "skipped")
    return f'<span class="badge badge-{css}">{escape_text(_BADGE_TEXT.get(status, status))}</span>'


def _seconds(value: float | None) -> str:
    if value is None:
        return '<span class="missing">&mdash;</span>'
    return f"{value:,.1f} s" if value < 120 else f"{value / 60:,.1f} min"


def _when(stamp: Any) -> str | None:
    """``2026-10-02T08:15:03+00:00`` -> ``2026-10-02 08:15 UTC``."""
    if not stamp:
        return None
    text = str(stamp)
    return text[:16].replace("T", " ") + " UTC" if text.endswith("+00:00") else text


def _link(path: str | None, text: str) -> str:
    if not path:
        return '<span class="missing">&mdash;</span>'
    return f'<a href="{escape_text(path)}">{escape_text(text)}</a>'


def _report_rows(statuses: Iterable[NotebookStatus], *, with_id: bool) -> str:
    rows = []
    for s in statuses:
        cells = [f"<td>{_link(s.html, s.label) if s.ok else escape_text(s.label)}</td>"]
        if with_id:
            cells.append(f"<td>{escape_text(s.csm_id)}</td>")
        cells.append(f"<td>{_badge(s.status)}</td>")
        cells.append(f'<td class="num">{_seconds(s.seconds)}</td>')
        cells.append(f"<td>{_link(s.notebook, 'notebook')}</td>")
        cells.append(f"<td>{escape_multiline(s.error) if s.error else ''}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(rows)


def _table(head: list[str], rows: str) -> str:
    numeric = ' class="num"'
    ths = "".join(f'<th scope="col"{numeric if h == "Time" else ""}>{escape_text(h)}</th>' for h in head)
    return f'<div class="table-wrap"><table class="data"><thead><tr>{ths}</tr></thead><tbody>{_labelled(rows, head)}</tbody></table></div>'


def _labelled(rows: str, head: list[str]) -> str:
    """Give each cell its column's label (``data-label``), as ``present.tables`` does, for the phone layout."""
    out = []
    for row in rows.split("<tr>")[1:]:
        cells = row.split("<td")
        labelled = [f'<td data-label="{escape_text(head[i])}"' + cell if i < len(head) else "<td" + cell
                    for i, cell in enumerate(cells[1:])]
        out.append("<tr>" + cells[0] + "".join(labelled))
    return "".join(out)


def render_index(manifest: Mapping[str, Any], statuses: list[NotebookStatus], *, files: Iterable[str] = ()) -> str:
    """The index page for one period folder, from the manifest and the notebook statuses."""
    period = str(manifest.get("period", ""))
    failed = [s for s in statuses if s.status == "failed"]
    ok = [s for s in statuses if s.ok]
    run_state = str(manifest.get("status", ""))
    if run_state == "running":
        headline = f"Running: {len(ok)} of {len(statuses)} reports ready so far."
    elif failed:
        headline = f"{len(failed)} of {len(statuses)} reports failed; the other {len(ok)} are ready."
    elif run_state == "interrupted":
        headline = f"Interrupted: {len(ok)} of {len(statuses)} reports are ready."
    else:
        headline = f"All {len(ok)} reports are ready." if len(ok) == len(statuses) else f"{len(ok)} of {len(statuses)} reports are ready."
    state_class = "note-error" if failed else ("note-warning" if len(ok) < len(statuses) else "note-info")

    parts = [
        f'<header class="report-header"><h1>Calibration reports, {escape_text(period)}</h1>'
        f'<p class="subtitle">Quarter {escape_text(manifest.get("period_start", ""))} to '
        f'{escape_text(manifest.get("period_end", ""))} (end exclusive)</p></header>',
        f'<p class="note {state_class}">{escape_text(headline)}</p>',
    ]
    facts = {
        "Started": _when(manifest.get("started_at")),
        "Finished": _when(manifest.get("finished_at")),
        "Duration": _seconds(manifest.get("seconds")) if manifest.get("seconds") is not None else None,
        "Workers": manifest.get("workers"),
        "Kernel": manifest.get("kernel_name"),
        "Params hash": str(manifest.get("params_hash", ""))[:12],
        "Input fingerprint": str(manifest.get("input_fingerprint") or "")[:12] or None,
        "Package version": manifest.get("package_version"),
        "Data folder": manifest.get("data_dir"),
        "Compared with": manifest.get("compared_with"),
    }
    items = "".join(
        f'<li><span class="kpi-value" style="font-size:.95rem">{v if k == "Duration" else escape_text(v)}</span>'
        f'<span class="kpi-label">{escape_text(k)}</span></li>'
        for k, v in facts.items()
        if v not in (None, "")
    )
    parts.append(f'<ul class="kpis">{items}</ul>')
    if manifest.get("compared_with"):
        parts.append(f'<p class="note note-info">Why each CSM\'s score, rating or rank changed since the earlier run '
                     f'({escape_text(manifest["compared_with"])}): {_link("diff.csv", "diff.csv")}.</p>')

    warnings = list(manifest.get("warnings") or [])
    if warnings:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{escape_multiline(w)}</li>" for w in warnings) + "</ul>")

    if failed:
        parts.append("<h2>Failed reports</h2>")
        for s in failed:
            detail = (
                f'<details><summary>Details for whoever fixes it</summary><pre class="error">{escape_text(s.detail)}</pre></details>'
                if s.detail
                else ""
            )
            parts.append(
                f'<h3>{escape_text(s.label)} <span class="badge badge-failed">Failed</span></h3>'
                f'<pre class="error">{escape_text(s.error)}</pre>{detail}'
            )
        parts.append(
            '<p class="note">Fix the cause, then run again with <code>--resume</code>: only the failed or missing reports are re-run.</p>'
        )

    leadership = [s for s in statuses if s.leadership_only]
    if leadership:
        parts.append('<h2>Leadership reports <span class="badge badge-leadership">Leadership only</span></h2>')
        parts.append('<p>These pages compare CSMs with each other. Do not share them with individual CSMs.</p>')
        parts.append(_table(["Report", "Status", "Time", "Notebook", "Error"], _report_rows(leadership, with_id=False)))

    reviews = sorted((s for s in statuses if not s.leadership_only), key=lambda s: (s.label.casefold(), s.csm_id or ""))
    parts.append(f"<h2>CSM reviews ({len(reviews)})</h2>")
    parts.append("<p>Each review shows one CSM's own figures beside team quartiles; it names no other CSM.</p>")
    parts.append(_table(["CSM", "CSM id", "Status", "Time", "Notebook", "Error"], _report_rows(reviews, with_id=True)))

    listed = list(files)
    if listed:
        parts.append("<h2>Files: data, fact files and review drafts</h2><ul>" + "".join(f"<li>{_link(f, f)}</li>" for f in listed) + "</ul>")
    return page_html(f"Calibration reports, {period}", "\n".join(parts), footer="Written by the calibration workbook batch.")
