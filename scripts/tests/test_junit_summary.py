"""The closing line of `make test`: it passes only when every layer ran tests and all passed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import junit_summary  # noqa: E402

PYTEST = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="a" name="one"/><testcase classname="a" name="two"/>
</testsuite></testsuites>"""
VITEST = """<?xml version="1.0" encoding="UTF-8" ?><testsuites name="vitest tests">
<testsuite name="src/a.test.ts"><testcase classname="a" name="renders"></testcase></testsuite>
<testsuite name="src/b.test.ts"><testcase classname="b" name="fails">
<failure message="expected 1">AssertionError</failure></testcase></testsuite></testsuites>"""
SKIPPING = """<testsuite name="e2e"><testcase name="voice"/>
<testcase name="chat"><skipped message="no mic"/></testcase></testsuite>"""
EMPTY = """<testsuites name="e2e" tests="0"></testsuites>"""
ERROR = """<testsuite><testcase name="a"><error message="fixture broke"/></testcase></testsuite>"""
# Playwright names the failed line by its absolute path (this checkout's, here)
SPEC = Path(__file__).resolve().parents[2] / "web" / "e2e" / "reconnect.spec.ts"
PLAYWRIGHT = f"""<testsuites><testsuite name="reconnect.spec.ts"><testcase name="restart">
<failure message="expect(received).not.toBeNull()">
  reconnect.spec.ts:27:1 restart

    Error: expect(received).not.toBeNull()
    > 52 |   await expect.poll(() => pid()).not.toBeNull();
        at {SPEC}:52:72
</failure></testcase></testsuite></testsuites>"""


def summarise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], **reports: str
) -> tuple[int, str]:
    for name, xml in reports.items():
        (tmp_path / f"{name}.xml").write_text(xml)
    code = junit_summary.main([str(tmp_path / f"{name}.xml") for name in reports])
    return code, capsys.readouterr().out


def test_every_layer_passing_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = summarise(tmp_path, capsys, pytest=PYTEST, e2e=PYTEST)
    assert code == 0, out
    assert out.splitlines()[-1] == "tests: 4 passed, 0 failed, 0 skipped"


@pytest.mark.parametrize(
    ("xml", "line"),
    [
        (VITEST, "1 passed, 1 failed, 0 skipped — failures"),
        (ERROR, "0 passed, 1 failed, 0 skipped — failures"),
        (SKIPPING, "1 passed, 0 failed, 1 skipped — skipped tests"),
        (EMPTY, "0 passed, 0 failed, 0 skipped — no tests"),
    ],
    ids=["failure", "error", "skip", "no-tests"],
)
def test_one_layer_that_did_not_pass_fails_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], xml: str, line: str
) -> None:
    code, out = summarise(tmp_path, capsys, pytest=PYTEST, layer=xml)
    assert code == 1
    assert f"  layer.xml: {line}" in out.splitlines()


def test_a_failed_test_is_named_with_its_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = summarise(tmp_path, capsys, vitest=VITEST, error=ERROR)
    assert code == 1
    lines = out.splitlines()
    assert lines[lines.index("  vitest.xml: 1 passed, 1 failed, 0 skipped — failures") + 1] == (
        "    failed: fails: expected 1"
    )
    assert "    failed: a: fixture broke" in lines


def test_a_browser_failure_names_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = summarise(tmp_path, capsys, e2e=PLAYWRIGHT)
    assert code == 1
    assert (
        "    failed: restart: expect(received).not.toBeNull() (at reconnect.spec.ts:52)"
        in out.splitlines()
    )


def test_a_missing_report_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pytest.xml").write_text(PYTEST)
    code = junit_summary.main([str(tmp_path / "pytest.xml"), str(tmp_path / "e2e.xml")])
    assert code == 1
    assert "e2e.xml: no report (FileNotFoundError)" in capsys.readouterr().out


def test_no_reports_at_all_fail() -> None:
    assert junit_summary.main([]) == 1
