"""The what-if page's widgets (ipywidgets): thin controls over :mod:`lib.report.what_if`.

:class:`WhatIfApp` builds one control per :data:`lib.report.what_if.CONTROLS` entry (a slider
or a drop-down, at the report's value), a choice of pilot districts, and the outputs: the
assumptions that differ from the report's, Table 1 in the report's rows with the report's
sums beside, the steps between the concepts, the person-years per concept, the pilot's
saving and a bar chart. Every change recomputes them (:meth:`WhatIfApp.update`); the button
"Lag PARAMS-linje" writes the ``make report`` command that reproduces the assumptions.

Tests drive it through the widgets' Python API (``app.controls["min_agents"].value = 2``,
then ``app.outcome``); notebook 08 shows ``app.widget``; ``make app`` serves that notebook
with Voilà. Elements a browser test reads carry ids: ``whatif-sum-<concept>`` (the sum of
Table 1), ``whatif-status``.
"""

from __future__ import annotations

import html
import io
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd

from lib.core import plotstyle
from lib.core.assumptions import Assumptions
from lib.model.concepts import CONCEPTS, table1_concepts
from lib.report import what_if
from lib.report.what_if import CONTROLS, DEFAULT_PILOT, GROUPS, Control, Outcome, WhatIf
from lib.valuation.economics import SUM

PAGE_CSS = """
<style>
.whatif table { border-collapse: collapse; font-size: 0.9em; margin: 0.3em 0 0.8em 0; }
.whatif th, .whatif td { padding: 2px 8px; text-align: right; border-bottom: 1px solid #e5e5e5; }
.whatif th:first-child, .whatif td:first-child { text-align: left; }
.whatif tr.sum td { font-weight: bold; border-top: 1px solid #888; }
.whatif .changed { color: #b35900; }
.whatif .muted { color: #777; font-size: 0.85em; }
</style>
"""


def _widget(c: Control, value: Any) -> widgets.Widget:
    style = {"description_width": "initial"}
    layout = widgets.Layout(width="96%")
    if c.kind == "choice":
        return widgets.Dropdown(
            options=[(text, v) for v, text in c.options], value=value, description=c.label, style=style, layout=layout
        )
    fmt = f".{c.decimals}%" if c.percent else (f",.{c.decimals}f" if c.decimals else ",.0f")
    return widgets.FloatSlider(
        value=float(value),
        min=c.low,
        max=c.high,
        step=c.step,
        description=c.label,
        readout_format=fmt,
        continuous_update=False,
        style=style,
        layout=layout,
    )


def _table(
    df: pd.DataFrame, row_ids: dict[str, str] | None = None, col_ids: dict[str, str] | None = None, index: bool = True
) -> str:
    """A small HTML table of text cells; the row ``SUM`` bold; ``row_ids``: row label → the id
    prefix of its cells (``<prefix>-<column id>``; ``col_ids``: column label → id, default the label)."""
    head = ([html.escape(str(df.index.name or ""))] if index else []) + [html.escape(str(c)) for c in df.columns]
    out = ["<table><thead><tr>", *(f"<th>{h}</th>" for h in head), "</tr></thead><tbody>"]
    for label, row in df.iterrows():
        css = ' class="sum"' if label == SUM else ""
        out.append(f"<tr{css}>")
        if index:
            out.append(f"<td>{html.escape(str(label))}</td>")
        prefix = (row_ids or {}).get(str(label))
        for col, value in row.items():
            ident = f' id="{prefix}-{(col_ids or {}).get(str(col), col)}"' if prefix else ""
            out.append(f"<td{ident}>{html.escape(str(value))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


class WhatIfApp:
    """The what-if page over a :class:`lib.report.what_if.WhatIf` (``model``).

    ``controls``: assumption name → widget; ``pilot``: the districts' multiple choice;
    ``outcome``: the last :class:`lib.report.what_if.Outcome`; ``widget``: the page.
    """

    def __init__(self, model: WhatIf, base: Assumptions | None = None) -> None:
        self.model = model
        self.base = base or Assumptions()
        choices = [c for c in CONTROLS if c.name != "queue_model" or model.patience_s is not None]
        self.controls: dict[str, widgets.Widget] = {c.name: _widget(c, getattr(self.base, c.name)) for c in choices}
        self.pilot = widgets.SelectMultiple(
            options=list(model.districts),
            value=[d for d in DEFAULT_PILOT if d in model.districts],
            rows=min(11, len(model.districts)),
            description="Politidistrikt i piloten",
            style={"description_width": "initial"},
        )
        self.status = widgets.HTML()
        self.changes = widgets.HTML()
        self.table = widgets.HTML()
        self.steps = widgets.HTML()
        self.person_years = widgets.HTML()
        self.pilot_table = widgets.HTML()
        self.chart = widgets.Image(format="png")
        self.params_button = widgets.Button(
            description="Lag PARAMS-linje", icon="terminal", layout=widgets.Layout(width="auto")
        )
        self.reset_button = widgets.Button(
            description="Tilbake til rapportens forutsetninger", icon="undo", layout=widgets.Layout(width="auto")
        )
        self.params = widgets.Textarea(
            value="", layout=widgets.Layout(width="100%", height="4em"), placeholder="make report PARAMS=..."
        )
        self.outcome: Outcome | None = None
        for w in [*self.controls.values(), self.pilot]:
            w.observe(self.update, names="value")
        self.params_button.on_click(self.write_params)
        self.reset_button.on_click(self.reset)
        self.widget = self._layout()
        self.update()

    # --- reading the controls --------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The controls' values (coerced as the assumptions take them)."""
        return {name: w.value for name, w in self.controls.items()}

    def assumptions(self) -> Assumptions:
        """The assumptions the controls set (on ``base``)."""
        return self.model.assumptions(self.values(), self.base)

    # --- actions -----------------------------------------------------------------------------

    def update(self, _change: Any = None) -> Outcome | None:
        """Recompute and show everything for the controls' values; an impossible combination
        is said in the status line and leaves the last result."""
        try:
            a = self.assumptions()
        except ValueError as err:
            self.status.value = f'<span id="whatif-status" class="changed">Ikke mulig: {html.escape(str(err))}</span>'
            return None
        o = self.model.evaluate(a, tuple(self.pilot.value))
        self.outcome = o
        self.status.value = (
            f'<span id="whatif-status">Beregnet på {plotstyle.number(o.seconds, 2)} s'
            f"{' (ny bemanning)' if o.restaffed else ' (samme bemanning, ny verdsetting)'}.</span>"
        )
        self.changes.value = self._changes_html(o)
        frame = what_if.table1_frame(o)
        report = what_if.report_sums()
        frame.loc["Sum i rapporten"] = [plotstyle.number(report[c], 0) for c in table1_concepts()]
        col_ids = {CONCEPTS[c].label: c for c in table1_concepts()}
        self.table.value = "<h4>Tabell 1 (nåverdi, mill. kr)</h4>" + _table(frame, {SUM: "whatif-sum"}, col_ids)
        st = o.steps.set_index("row")
        st.index.name = "Virkning (mill. kr)"
        self.steps.value = "<h4>Hva hvert steg tilfører</h4>" + _table(st.map(lambda v: plotstyle.number(v, 1)))
        py = o.person_years.set_index("concept")
        py.index.name = "Årsverk"
        self.person_years.value = "<h4>Årsverk per konsept</h4>" + _table(py.map(lambda v: plotstyle.number(v, 1)))
        self.pilot_table.value = self._pilot_html(o)
        fig = what_if.plot(o)
        plotstyle.stamp(fig, self.model.source or None)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        plt.close(fig)
        self.chart.value = buf.getvalue()
        return o

    def write_params(self, _button: Any = None) -> str:
        """Write the ``make report`` command that reproduces the controls' assumptions."""
        try:
            a = self.assumptions()
        except ValueError as err:
            self.params.value = f"Ikke mulig: {err}"
            return self.params.value
        line = what_if.make_command(a)
        self.params.value = line if a.overrides() else line + "   # rapportens forutsetninger: ingen PARAMS"
        return self.params.value

    def reset(self, _button: Any = None) -> None:
        """Every control back to the report's value."""
        default = Assumptions()
        for name, w in self.controls.items():
            w.unobserve(self.update, names="value")
            w.value = getattr(default, name)
            w.observe(self.update, names="value")
        self.update()

    # --- what is shown -----------------------------------------------------------------------

    def _changes_html(self, o: Outcome) -> str:
        changed = what_if.changed(o.a)
        if changed.empty:
            return "<p>Alle forutsetninger er rapportens.</p>"
        return '<p class="changed"><b>Forutsetninger som avviker fra rapportens:</b></p>' + _table(
            changed.set_index("Forutsetning")
        )

    def _pilot_html(self, o: Outcome) -> str:
        if o.pilot.empty:
            return "<h4>Pilot</h4><p>Velg minst ett politidistrikt.</p>"
        p = o.pilot
        rows = pd.DataFrame(
            {
                "Spart (årsverk)": [plotstyle.number(v, 1) for v in p["saving_person_years"]],
                "Spart (mill. kr/år)": [plotstyle.number(v, 1) for v in p["saving_mnok_per_year"]],
                "Andel av full sentral": [plotstyle.percent(v, 0) for v in p["share_of_full"]],
            },
            index=pd.Index(
                [
                    f"{plotstyle.percent(o.a.service_level_target)} innen {plotstyle.number(t, 0)} s"
                    for t in p["target_s"]
                ],
                name="Svartidsmål",
            ),
        )
        return (
            f"<h4>Pilot: {html.escape(p['districts'].iloc[0])} i ett sentralbord ({o.a.first_year})</h4>"
            + _table(rows)
            + '<p class="muted">Alle 2 047 sett står i tables/pilot_all_sets.csv etter make report.</p>'
        )

    def _layout(self) -> widgets.Widget:
        groups = []
        for g in GROUPS:
            items = [w for c in CONTROLS if c.group == g and (w := self.controls.get(c.name)) is not None]
            groups.append(widgets.VBox([widgets.HTML(f"<b>{g}</b>"), *items]))
        left = widgets.VBox(
            [*groups, self.pilot, widgets.HBox([self.params_button, self.reset_button]), self.params],
            layout=widgets.Layout(width="42%", padding="0 1em 0 0"),
        )
        right = widgets.VBox(
            [self.status, self.changes, self.table, self.chart, self.steps, self.person_years, self.pilot_table],
            layout=widgets.Layout(width="58%"),
        )
        head = widgets.HTML(
            PAGE_CSS
            + f"<p><b>Data:</b> {html.escape(self.model.source or 'ukjent')}. Bemanningsmodellen regnes på nytt "
            "for hver endring (Erlang C eller A time for time på kjøringens ankomstrater); resten av kjeden kjøres ikke.</p>"
        )
        page = widgets.VBox([head, widgets.HBox([left, right])])
        page.add_class("whatif")
        return page
