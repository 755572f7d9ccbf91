"""The note to hand on (``OUT/notat.html``): Norwegian, no code, Table 1 beside the report,
the key figures embedded, the caveats and the run information; a PDF where Chromium is."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lib.core.assumptions import TABLE1_PUBLISHED
from lib.report import note
from lib.valuation.economics import SUM


def _run(folder):
    tables, figures = folder / "tables", folder / "figures"
    tables.mkdir(parents=True)
    figures.mkdir()
    rows = [
        {"row": row, "concept": c, "reproduced": (v or 0) + 0.4 if v is not None else None, "published": v}
        for row, by in TABLE1_PUBLISHED.items()
        for c, v in by.items()
    ]
    pd.DataFrame(rows).to_csv(tables / "table1_vs_report.csv", index=False)
    pd.DataFrame(
        [
            {"row": SUM, "concept": c, "mean": m, "p5": m - 50, "p95": m + 50}
            for c, m in zip("I IIa IIb III".split(), (34, 59, 86, 430), strict=True)
        ]
    ).to_csv(tables / "table1_uncertainty.csv", index=False)
    (figures / "pilot_curve.png").write_bytes(b"\x89PNG fake")
    return folder


INFO = pd.DataFrame(
    {
        "item": ["status", "raw_file", "rows_read", "rows_kept", "synthetic_log", "assumptions", "plausibility"],
        "value": [
            "complete",
            "data/raw/calls_2023.parquet",
            "1765909",
            "1756145",
            "yes",
            "the report's values",
            "all checks passed",
        ],
    }
)


def test_the_note_is_norwegian_without_code_and_complete(tmp_path):
    run = _run(tmp_path / "out")
    page = note.write_note(run, INFO, "Syntetiske data (frø 2023)")
    text = page.read_text(encoding="utf-8")
    assert page.name == "notat.html" and '<html lang="nb">' in text
    assert "Syntetiske data (frø 2023)" in text and "syntetisk" in text
    assert "Tabell 1 ved siden av rapporten" in text and "Forbehold" in text and "Om kjøringen" in text
    assert "1 765 909" in text  # Norwegian numbers
    assert "(442)" in text  # the report's sum of III beside the reproduction
    assert "data:image/png;base64," in text  # the pilot curve, embedded
    assert "430" in text and "380 til 480" in text  # the uncertainty of the sums
    assert not re.search(r"<(pre|code)\b|import |def |lib\.", text)  # no code
    assert "Usikkerhetsberegningen ble ikke laget" not in text  # it was made


def test_the_notes_run_information_is_norwegian_and_says_where_the_run_folder_is(tmp_path):
    """Issue 25: "Om kjøringen" in Norwegian (no "complete", "the report's values", "None"), and
    the tables and notebooks named as in the run's folder, which a recipient can ask for."""
    run = _run(tmp_path / "out")
    info = pd.concat(
        [
            INFO,
            pd.DataFrame({"item": ["parameter year", "input_encoding"], "value": ["None", "not applicable (Parquet)"]}),
        ]
    )
    text = note.note_html(run, info, "Syntetiske data (frø 2023)", folder=tmp_path / "outputs" / "mine")
    about = text[text.index("Om kjøringen") :]
    assert "fullført" in about and "rapportens verdier" in about and "alle kontroller bestått" in about
    assert "ikke relevant (Parquet)" in about and "Rader lest" in about and "1 765 909" in about
    assert not re.search(r"\b(complete|None|True|the report's values|not applicable|status)\b", about)
    assert "i kjøringens mappe (mine/" in about and "html/" not in about and "tables/results.xlsx" not in about


def test_the_note_says_what_the_run_did_not_make(tmp_path):
    (tmp_path / "tables").mkdir()
    text = note.note_html(tmp_path, None, "Kilde: eksport.csv, 01.01.2023–31.12.2023")
    assert "Tabell 1 ble ikke laget" in text and "Ingen kjøreinformasjon" in text


@pytest.mark.skipif(note.chromium() is None, reason="no Chromium: apt-get install chromium (the PDF is optional)")
def test_the_pdf_is_printed_where_chromium_is(tmp_path):
    run = _run(tmp_path / "out")
    page = note.write_note(run, INFO, "Syntetiske data (frø 2023)")
    pdf = note.write_pdf(page)
    assert pdf is not None and pdf.read_bytes()[:5] == b"%PDF-"
