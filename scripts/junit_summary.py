"""Adds up JUnit XML reports (pytest, vitest, Playwright) into one closing line.

usage: python scripts/junit_summary.py REPORT.xml [...]
Prints per-report counts, each failed test's name and the first line of its message (a CI
run's kept output is its end, so the cause of a failure is seen there), then `tests: N passed,
N failed, N skipped`. Exit 1 if a report is missing or unreadable (that layer did not run),
reports no tests, or has a failed or skipped test: a skipped test is one that did not show
anything.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

MAX_NAMED = 5
MAX_CHARS = 600
# Playwright's failure text names the failed line: "    at /path/to/e2e/x.spec.ts:52:72"
AT_LINE = re.compile(r"^\s*at (?:.*/)?([^/\s]+:\d+):\d+$", re.MULTILINE)


def describe(failure: ET.Element) -> str:
    """The first line of a failure's message, and where it failed when the text says."""
    text = failure.text or ""
    message = (failure.get("message") or text).strip().split("\n")[0]
    at = AT_LINE.search(text)
    return f"{message} (at {at.group(1)})" if at else message


def count(path: Path) -> tuple[int, list[str], int]:
    """(passed, failed, skipped) test cases in one report; each failed one as `name: message`."""
    failed: list[str] = []
    skipped = total = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        total += 1
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is not None:
            failed.append(f"{case.get('name', '?')}: {describe(failure)}"[:MAX_CHARS])
        elif case.find("skipped") is not None:
            skipped += 1
    return total - len(failed) - skipped, failed, skipped


def problem(passed: int, failed: int, skipped: int) -> str | None:
    """Why one report does not count as a pass, or None."""
    if failed:
        return "failures"
    if skipped:
        return "skipped tests"
    if not passed:
        return "no tests"
    return None


def main(paths: list[str]) -> int:
    passed = failed = skipped = 0
    ok = bool(paths)
    for arg in paths:
        path = Path(arg)
        try:
            p, failures, s = count(path)
        except (OSError, ET.ParseError) as e:
            print(f"  {path.name}: no report ({type(e).__name__}) — that layer did not run")
            ok = False
            continue
        f = len(failures)
        why = problem(p, f, s)
        print(f"  {path.name}: {p} passed, {f} failed, {s} skipped" + (f" — {why}" if why else ""))
        for failure in failures[:MAX_NAMED]:
            print(f"    failed: {failure}")
        ok = ok and why is None
        passed, failed, skipped = passed + p, failed + f, skipped + s
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
