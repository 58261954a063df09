"""Adds up JUnit XML reports (pytest, vitest, Playwright) into one closing line.

usage: python scripts/junit_summary.py REPORT.xml [...]
Prints per-report counts, then `tests: N passed, N failed, N skipped`. Exit 1 if a report is
missing or unreadable (that layer did not run), reports no tests, or has a failed or skipped
test: a skipped test is one that did not show anything.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count(path: Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) test cases in one report."""
    failed = skipped = total = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        total += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
    return total - failed - skipped, failed, skipped


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
            p, f, s = count(path)
        except (OSError, ET.ParseError) as e:
            print(f"  {path.name}: no report ({type(e).__name__}) — that layer did not run")
            ok = False
            continue
        why = problem(p, f, s)
        print(f"  {path.name}: {p} passed, {f} failed, {s} skipped" + (f" — {why}" if why else ""))
        ok = ok and why is None
        passed, failed, skipped = passed + p, failed + f, skipped + s
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
