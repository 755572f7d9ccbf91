"""``OUT/notat.html``: a short note in Norwegian for the people who decide, without code.

Every run writes it (:func:`lib.chain.pipeline`'s last step) from what the run made: what
was run on which data, Table 1 beside the report's, the key figures (6.1 and 6.2, the
uncertainty of the sums, the pilot curve), the caveats in plain words, and the run
information at the end. The figures are embedded (``data:`` URIs), so the one file can be
sent on as it is; ``lang="nb"``. Where a headless Chromium is installed (Debian's
``chromium``), :func:`write_pdf` prints it to ``notat.pdf`` too.

The note reads only the run's tables, figures and run information: a part whose table or
figure the run did not make (a chain of one's own, a run from a later notebook that kept
the earlier ones' files) is left out, and said so.
"""

from __future__ import annotations

import base64
import html
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from lib.core import plotstyle
from lib.core.manifest import claim
from lib.core.paths import PROJ_ROOT
from lib.report import run_info as run_report
from lib.valuation.economics import SUM

NOTE = "notat.html"
PDF = "notat.pdf"
#: Where Debian, Ubuntu and Google install a Chromium that prints PDFs headless.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Headless Chromium without a sandbox, a GPU or any network or update traffic of its own (the
#: note's PDF; the what-if page's browser test starts it the same way).
HEADLESS_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CONCEPTS = ("I", "IIa", "IIb", "III")
LABELS = {"I": "Konsept I", "IIa": "Konsept IIa", "IIb": "Konsept IIb", "III": "Konsept III"}

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { padding: 3px 9px; border-bottom: 1px solid #ddd; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
tr.sum td { font-weight: bold; border-top: 1px solid #777; }
.source { color: #555; font-size: 0.9em; } .warn { color: #a00; font-weight: bold; }
figure { margin: 1em 0; } figure img { max-width: 100%; } figcaption { font-size: 0.88em; color: #444; }
.runinfo td, .runinfo th { font-size: 0.85em; text-align: left; }
@media print { body { margin: 0; max-width: none; } figure { page-break-inside: avoid; } }
"""

#: The key figures, in the order the note shows them: file, caption.
FIGURES: tuple[tuple[str, str], ...] = (
    (
        "table1_vs_report.png",
        "Tabell 1 gjenskapt ved siden av rapportens tall (nåverdi, mill. kr).",
    ),
    (
        "staffing_fig6_contacts_by_channel.png",
        "Figur 6.1 og 6.2: henvendelsene fordelt på telefon, livechat og chatbot i konsept IIa og IIb.",
    ),
    (
        "uncertainty_sums.png",
        "Usikkerheten i summene: fordelingen av «Sum verdsatte virkninger» per konsept når de usikre "
        "forutsetningene varieres samtidig.",
    ),
    (
        "pilot_curve.png",
        "Pilot: hvor mye bemanning som spares når flere politidistrikt samles i ett sentralbord.",
    ),
)

CAVEATS = (
    "Bemanningsmodellen (Erlang C) lar ingen legge på mens de venter. Den overdriver derfor bemanningen, og "
    "rapporten bruker den bare relativt: hvert konsept skaleres til dagens 90 årsverk. Tallene er derfor "
    "forskjeller mellom konsepter, ikke et bemanningsbudsjett.",
    "Mange forutsetninger er anslag (andelen som vil bruke chat og chatbot, hvor mange som overføres til "
    "livechat, effekten av et bedre politiet.no). Usikkerhetsberegningen viser hvor mye summene kan flytte seg.",
    "Verdien av innbyggernes tid regnes med gjennomsnittlig nettolønn per time, slik rapporten gjør. Det er en "
    "konvensjon, ikke kroner som spares i et budsjett.",
    "Nytte som ikke er prissatt (tilgjengelighet, kvalitet, tillit, trygghet, arbeidsmiljø) er ikke med i summen.",
)


def _fmt(x: object, decimals: int = 1) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return html.escape(str(x))
    return plotstyle.number(v, decimals)


def _rows_html(rows: list[list[str]], head: list[str], css: str = "", sum_label: str | None = None) -> str:
    out = [f"<table{f' class={css!r}' if css else ''}><thead><tr>"]
    out += [f"<th>{html.escape(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for r in rows:
        cls = ' class="sum"' if sum_label is not None and r[0] == sum_label else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _info(info: pd.DataFrame | None) -> dict[str, str]:
    if info is None or info.empty:
        return {}
    return dict(zip(info["item"].astype(str), info["value"].astype(str), strict=True))


def _what_was_run(info: dict[str, str], source: str) -> str:
    parts = [f"<p><b>Data:</b> {html.escape(source)}."]
    if info.get("synthetic_log") == "yes":
        parts.append(
            " Dette er en <b>syntetisk</b> samtalelogg, laget for å ligne 2023-tallene rapporten publiserer. "
            "Tallene viser at metoden virker, ikke hva den virkelige loggen gir."
        )
    elif info:
        parts.append(" Dette er den virkelige eksporten fra telefonsystemet (ikke del den videre uten avtale).")
    if "rows_read" in info:
        kept = info.get("rows_kept", "")
        parts.append(
            f" Lest {_fmt(info['rows_read'], 0)} rader"
            + (f", beholdt {_fmt(kept, 0)} etter rensing" if kept else "")
            + "."
        )
    parts.append("</p>")
    assumptions = info.get("assumptions")
    changed = [
        f"{k.removeprefix('assumption ')} = {run_report.value(k, v)}"
        for k, v in info.items()
        if k.startswith("assumption ")
    ]
    if changed and not assumptions:
        assumptions = "; ".join(changed)
    if assumptions:
        same = assumptions == "the report's values"
        text = "rapportens egne forutsetninger" if same else f"endret fra rapporten: {html.escape(assumptions)}"
        parts.append(f"<p><b>Forutsetninger:</b> {text}.</p>")
    if info.get("plausibility") and info["plausibility"] != "all checks passed":
        parts.append(
            "<p class='warn'>ADVARSEL: loggen ser ikke ut som et helt år med 02800-anrop "
            f"({html.escape(str(run_report.value('plausibility', info['plausibility'])))}). "
            "Resultatene står på usikkert grunnlag.</p>"
        )
    return "".join(parts)


def _table1(tables: Path) -> str:
    path = tables / "table1_vs_report.csv"
    if not path.exists():
        return "<p>Tabell 1 ble ikke laget i denne kjøringen.</p>"
    t = pd.read_csv(path)
    rows = []
    for row, g in t.groupby("row", sort=False):
        cells = [html.escape(str(row))]
        by = g.set_index("concept")
        for c in CONCEPTS:
            if c not in by.index or pd.isna(by.loc[c, "reproduced"]):
                cells.append("–")
                continue
            here = _fmt(by.loc[c, "reproduced"], 0)
            report = by.loc[c, "published"]
            cells.append(f"{here} <span class='source'>({'–' if pd.isna(report) else _fmt(report, 0)})</span>")
        rows.append(cells)
    return "<p>Nåverdi 2026–2033 i millioner kroner; rapportens tall i parentes.</p>" + _rows_html(
        rows, ["Virkning", *(LABELS[c] for c in CONCEPTS)], sum_label=SUM
    )


def _uncertainty(tables: Path) -> str:
    path = tables / "table1_uncertainty.csv"
    if not path.exists():
        return ""
    t = pd.read_csv(path)
    sums = t[t["row"] == SUM].set_index("concept")
    lo, hi = ("p5", "p95") if {"p5", "p95"} <= set(sums.columns) else ("p10", "p90")
    rows = [
        [LABELS.get(c, c), _fmt(sums.loc[c, "mean"], 0), f"{_fmt(sums.loc[c, lo], 0)} til {_fmt(sums.loc[c, hi], 0)}"]
        for c in CONCEPTS
        if c in sums.index
    ]
    share = 90 if lo == "p5" else 80
    text = (
        f"<p>Når de usikre forutsetningene varieres samtidig, ligger summen i {share} av 100 trekninger "
        "innenfor intervallet under (mill. kr).</p>"
    )
    decision = tables / "decision_probabilities.csv"
    if decision.exists():
        d = pd.read_csv(decision).set_index("concept")
        if "p_best" in d.columns and "III" in d.index:
            text += (
                f"<p>Konsept III er best i {plotstyle.percent(float(d.loc['III', 'p_best']), 0)} av trekningene.</p>"
            )
    return text + _rows_html(rows, ["Konsept", "Forventet sum", "Intervall"])


def _figure(figures: Path, name: str, caption: str) -> str:
    path = figures / name
    if not path.exists():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f"<figure><img src='data:image/png;base64,{data}' alt='{html.escape(caption)}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _run_info(info: pd.DataFrame | None) -> str:
    if info is None or info.empty:
        return "<p>Ingen kjøreinformasjon (kjøringen ble ikke startet med make report).</p>"
    shown = run_report.presented(run_report.shown_rows(info))
    rows = [
        [html.escape(label), html.escape(_run_value(item, v))]
        for label, v, item in shown.itertuples(index=False, name=None)
    ]
    return _rows_html(rows, ["Post", "Verdi"], css="runinfo")


def _run_value(item: str, v: object) -> str:
    """A run-information value in the note: numbers in Norwegian notation (a seed or a year
    without a thousands space), None as nothing."""
    if v is None:
        return ""
    if isinstance(v, int) and ("seed" in item or item == "parameter year"):
        return str(v)
    if isinstance(v, int | float):
        return plotstyle.number(v, None)
    return str(v)


def _where_the_rest_is(outputs: Path) -> str:
    """Where a recipient of the note alone finds the tables and notebooks: in the run's folder
    (``outputs``, relative to the project where it is inside it)."""
    try:
        folder = Path(outputs).resolve().relative_to(PROJ_ROOT.resolve()).as_posix()
    except ValueError:
        folder = Path(outputs).name
    return (
        "Notatet er laget av én kjøring av analysen. Hver tabell ligger også i et regneark "
        f"(results.xlsx), og de kjørte notatbøkene (med kode) som nettsider, i kjøringens mappe ({folder}/ "
        "i prosjektet); spør den som sendte notatet om du trenger dem."
    )


def note_html(outputs: Path, info: pd.DataFrame | None, source: str, folder: Path | None = None) -> str:
    """The note of the run in ``outputs`` (its ``tables/`` and ``figures/``), as one HTML page;
    ``folder``: the run's folder the note names for the tables and notebooks (default ``outputs``;
    the pipeline writes into a staging folder and names the final one)."""
    outputs = Path(outputs)
    tables, figures = outputs / "tables", outputs / "figures"
    facts = _info(info)
    body = [
        "<h1>Kontakt med politiet: Tabell 1 i POD-rapport 7/2024, regnet på nytt</h1>",
        f"<p class='source'>{html.escape(source)}</p>",
        "<h2>Hva er gjort</h2>",
        "<p>Bemanningsmodellen i rapportens vedlegg B og nytte–kostnadstabellen (Tabell 1) er bygget opp på nytt "
        "fra ett år med anrop til 02800: anropene er renset, ankomstratene beregnet time for time, og hvert "
        "konsept er bemannet med Erlang C slik rapporten gjør. Tallene under kommer fra denne kjøringen.</p>",
        _what_was_run(facts, source),
        "<h2>Tabell 1 ved siden av rapporten</h2>",
        _table1(tables),
        _figure(figures, *FIGURES[0]),
        "<h2>Nøkkelfigurer</h2>",
        _figure(figures, *FIGURES[1]),
        "<h2>Hvor sikre er summene?</h2>",
        _uncertainty(tables) or "<p>Usikkerhetsberegningen ble ikke laget i denne kjøringen.</p>",
        _figure(figures, *FIGURES[2]),
        "<h2>Pilot</h2>",
        _figure(figures, *FIGURES[3]) or "<p>Pilotberegningen ble ikke laget i denne kjøringen.</p>",
        "<h2>Forbehold</h2>",
        "<ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in CAVEATS) + "</ul>",
        "<h2>Om kjøringen</h2>",
        f"<p>{html.escape(_where_the_rest_is(folder or outputs))}</p>",
        _run_info(info),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="nb">\n<head>\n<meta charset="utf-8">\n'
        "<title>Notat: Tabell 1 i POD-rapport 7/2024, regnet på nytt</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(b for b in body if b) + "\n</body>\n</html>\n"
    )


def write_note(outputs: Path, info: pd.DataFrame | None, source: str, folder: Path | None = None) -> Path:
    """Write ``outputs/notat.html`` (:func:`note_html`); returns its path."""
    path = Path(outputs) / NOTE
    claim(path).write_text(note_html(outputs, info, source, folder), encoding="utf-8")
    return path


def chromium() -> str | None:
    """A headless Chromium on this machine (Debian's ``chromium``), or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(page: Path, pdf: Path | None = None, timeout_s: float = 120.0) -> Path | None:
    """Print ``page`` to ``pdf`` (default beside it, ``notat.pdf``) with headless Chromium;
    None when no Chromium is installed or it fails (the HTML note is the note; the PDF a
    convenience)."""
    browser = chromium()
    if browser is None:
        return None
    pdf = Path(pdf) if pdf else Path(page).with_name(PDF)
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            browser,
            "--headless",
            *HEADLESS_FLAGS,
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            Path(page).resolve().as_uri(),
        ]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout_s)
        except (OSError, subprocess.SubprocessError):
            return None
    return claim(pdf) if pdf.exists() and pdf.stat().st_size > 0 else None
