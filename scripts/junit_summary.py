"""Adds up JUnit XML reports (pytest, vitest, Playwright) into one closing line.

usage: python scripts/junit_summary.py REPORT.xml [...]
Prints per-report counts, then `tests: N passed, N failed, N skipped`. Exit 1 if a report
is missing or unreadable (a layer that produced no report did not run).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count(path: Path) -> tuple[int, int, int]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    total = failed = skipped = 0
    for suite in suites:
        for case in suite.iter("testcase"):
            total += 1
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
    return total - failed - skipped, failed, skipped


def main() -> int:
    passed = failed = skipped = 0
    ok = True
    for arg in sys.argv[1:]:
        path = Path(arg)
        try:
            p, f, s = count(path)
        except (OSError, ET.ParseError) as e:
            print(f"  {path.name}: no report ({type(e).__name__}) — that layer did not run")
            ok = False
            continue
        print(f"  {path.name}: {p} passed, {f} failed, {s} skipped")
        passed, failed, skipped = passed + p, failed + f, skipped + s
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if ok and failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
