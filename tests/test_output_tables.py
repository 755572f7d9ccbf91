"""The one registry of result tables (lib.core.output_tables): well formed, complete against what
the chain writes, the column dictionary and docs/data_dictionary.md, and the only way the
notebooks name a table."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from lib.core import output_tables
from lib.core.paths import NOTEBOOKS, PROJ_ROOT
from lib.report import workbook


def test_the_column_dictionary_is_well_formed():
    d = output_tables.column_dictionary()
    assert set(output_tables.FORMATS) == set(workbook.FORMATS)  # every format has an Excel format
    assert not d.duplicated(["table", "column"]).any()
    assert (d[["table", "column", "label_no", "meaning", "unit"]] != "").all().all()
    # patterns: the year columns of the cash flows, the second assumption of a sensitivity variation
    year = output_tables.describe_column("table1_cash_flows", "2031")
    assert year is not None and year["format"] == "mnok" and "2031" in year["meaning"]
    second = output_tables.describe_column("sensitivity", "low_value_2")
    assert second is not None and second["label_no"] == "Lav verdi (2. forutsetning)"
    assert output_tables.describe_column("table_a2", "Andel besvart innen 120 sekunder") is not None
    assert output_tables.describe_column("table1_cash_flows", "npv") is None


def test_every_registered_table_is_described_and_every_described_table_registered():
    tables = output_tables.registry()
    described = set(output_tables.column_dictionary()["table"])
    assert set(tables) == described - set(output_tables.NOT_TABLES)
    for t in tables.values():
        assert t.title_no and t.report_source_no and re.fullmatch(r"\d\d_[a-z0-9_]+", t.notebook), t.name
        assert (NOTEBOOKS / f"{t.notebook}.ipynb").is_file(), t.notebook
        assert set(t.compare_keys) | set(t.compare_values) <= set(t.columns()["column"]), t.name
    # a cleaning report of several files has a column per file
    assert output_tables.describe_column("cleaning_report", "calls_2023_01.csv")["unit"] == "rows"


def test_the_registry_is_in_the_chains_order():
    notebooks = [t.notebook for t in output_tables.registry().values()]
    assert notebooks == sorted(notebooks)


def test_a_table_whose_columns_drift_from_the_dictionary_is_refused(tmp_path):
    good = pd.DataFrame({"item": ["rows_read"], "count": [3]})
    path = output_tables.write("cleaning_report", good, tmp_path)
    assert path == tmp_path / "tables" / "cleaning_report.csv" and output_tables.read(
        "cleaning_report", tmp_path
    ).equals(good)
    with pytest.raises(ValueError, match=r"columns not in the column dictionary \['counted'\]"):
        output_tables.write("cleaning_report", good.rename(columns={"count": "counted"}), tmp_path)
    with pytest.raises(KeyError, match="no result table 'nope'"):
        output_tables.write("nope", good, tmp_path)


def _notebook_sources() -> dict[str, str]:
    out = {}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        out[path.name] = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return out


def test_no_notebook_names_a_tables_file():
    files = [t.file for t in output_tables.registry().values()]
    found = {name: [f for f in files if f in src] for name, src in _notebook_sources().items()}
    assert not any(found.values()), f"write and read result tables through lib.core.output_tables: {found}"


def test_each_table_is_written_by_its_notebook():
    sources = _notebook_sources()
    for t in output_tables.registry().values():
        notebook = f"{t.notebook}.ipynb"
        # through output_tables.write("name", ...) in the notebook, or by a lib function it calls
        named = f'"{t.name}"' in sources[notebook]
        assert named or t.name in WRITTEN_BY_LIB, f"{t.name}: not written by name in {notebook}"


#: Tables a notebook writes through a lib function (which calls output_tables.write itself).
WRITTEN_BY_LIB = {
    "cleaning_report": "lib.calllog.clean",
    "input_format": "lib.calllog.clean",
    "long_waits": "lib.calllog.clean",
    "plausibility": "lib.calllog.plausibility",
    "staffing_by_year": "lib.model.staffing.StaffingResult.write",
    "staffing_effects": "lib.model.staffing.StaffingResult.write",
    "staffing_by_district": "lib.model.staffing.StaffingResult.write",
    "table1": "lib.valuation.table1.write_tables",
    "table1_vs_report": "lib.valuation.table1.write_tables",
    "table1_cash_flows": "lib.valuation.table1.write_tables",
    "patience": "lib.traffic.patience.write_patience",
}


def test_the_data_dictionary_documents_every_table_under_its_notebook():
    text = (PROJ_ROOT / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)
    for t in output_tables.registry().values():
        number = t.notebook[:2]
        section = next((s for s in sections if s.startswith(f"Notebook {number}")), "")
        headings = re.findall(r"^### (.+)$", section, flags=re.M)
        assert any(f"`{t.file}`" in h for h in headings), (
            f"docs/data_dictionary.md: no heading for {t.file} under notebook {number}"
        )


def test_the_readme_chain_table_lists_every_notebook():
    readme = (PROJ_ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\d\d_[a-z0-9_]+)` \|", readme, flags=re.M))
    on_disk = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    assert on_disk <= listed, f"README's chain table misses {sorted(on_disk - listed)}"
