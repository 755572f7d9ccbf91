"""The what-if page in a real browser: ``make app``'s Voilà serves notebook 08 on localhost, a
headless Chromium opens it, a control is moved and the new sum is read off the page.

Needs Debian's Chromium and its driver (``apt-get install chromium chromium-driver``;
``.ci/run`` installs them where it can); skipped with that advice where they are missing."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from lib.core.paths import NOTEBOOKS
from lib.report import note

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
HOW_TO = (
    "the browser test of the what-if page needs Debian's Chromium and ChromeDriver: "
    "apt-get install chromium chromium-driver (.ci/run installs them on CI where it can)"
)
pytestmark = pytest.mark.skipif(CHROMIUM is None or DRIVER is None, reason=HOW_TO)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def page(chain_run, tmp_path):
    """Notebook 08 on the chain's run, served by Voilà on 127.0.0.1 (stopped after the test)."""
    nb = nbformat.read(NOTEBOOKS / "08_what_if.ipynb", as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = (
                f"processed_dir = {str(chain_run / 'processed')!r}\n"
                f"outputs_dir = {str(chain_run / 'outputs')!r}\noverrides = {{}}\n"
            )
    copy = tmp_path / "08_what_if.ipynb"
    nbformat.write(nb, copy)
    port = _free_port()
    voila = Path(sys.executable).with_name("voila")
    log = (tmp_path / "voila.log").open("w")
    server = subprocess.Popen(
        [str(voila), str(copy), "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            pytest.fail("Voilà did not start: " + (tmp_path / "voila.log").read_text())
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _sum_iii(chain_run: Path, **changes: object) -> str:
    """Table 1's sum of concept III on the chain's run under the report's assumptions with
    ``changes``, computed by the staffing model and valuation the batch path uses, written as the
    page writes it (one decimal, decimal comma)."""
    import pandas as pd

    from lib.core.assumptions import Assumptions
    from lib.model.staffing import run_all
    from lib.valuation import economics, table1

    processed = chain_run / "processed"
    rates = pd.read_parquet(processed / "arrival_rates.parquet")
    wait = economics.observed_mean_wait_s(
        pd.read_parquet(processed / "calls_clean.parquet", columns=["wait_s", "answered"])
    )
    a = Assumptions().replace(**changes)
    t1 = table1.table1(run_all(rates, a), a, wait).set_index("row")
    return f"{float(t1.loc[economics.SUM, 'III']):.1f}".replace(".", ",")


def test_the_page_recomputes_when_a_control_moves(page, tmp_path, chain_run):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        *note.HEADLESS_FLAGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,1800",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    try:
        driver.get(page)
        wait = WebDriverWait(driver, 180)
        before = wait.until(lambda d: d.find_element(By.ID, "whatif-sum-III")).text
        assert before == _sum_iii(chain_run)  # Table 1's sum of concept III on the run (notebook 04)
        assert "print(" not in driver.page_source  # no code on the page
        selects = driver.find_elements(By.TAG_NAME, "select")
        labels = [s.find_element(By.XPATH, "./preceding-sibling::label").text for s in selects[:2]]
        minimum = selects[labels.index("Minimumsbemanning per sentralbord (agenter)")]
        Select(minimum).select_by_visible_text("2")
        wait.until(lambda d: d.find_element(By.ID, "whatif-sum-III").text != before)
        after = driver.find_element(By.ID, "whatif-sum-III").text
        assert after == _sum_iii(chain_run, min_agents=2)  # the same change through the staffing model
        assert "Minimumsbemanning" in driver.find_element(By.CLASS_NAME, "whatif").text
    finally:
        driver.quit()
