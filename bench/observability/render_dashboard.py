"""Render the Grafana dashboard statically from recorded /metrics snapshots.

    python bench/observability/render_dashboard.py --snapshots DIR \
        [--dashboard deploy/grafana/dashboards/voice-assistant.json] \
        [--html .run/observability/dashboard.html] [--png docs/images/dashboard.png]

Grafana cannot be installed on this project's machines (it is not in Debian main and binary
downloads are not allowed), so this evaluates every panel's PromQL over the snapshots
(promql_eval.py), lays the panels out by gridPos as HTML with SVG charts (dashboard_html.py),
and screenshots that page with Debian's headless Chromium. Snapshots come from
record_metrics.py (a real run) or synthetic_snapshots.py (a demo).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard_html import page_size, render_html  # noqa: E402
from metric_snapshots import SeriesStore, load_snapshots  # noqa: E402
from panel_data import PanelData, default_variables, evaluate_dashboard  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "voice-assistant.json"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
WIDTH = 1600


def describe(store: SeriesStore, variables: dict[str, str], label: str) -> str:
    start, end = (dt.datetime.fromtimestamp(t, dt.UTC) for t in (store.times[0], store.times[-1]))
    note = (
        f"static render (not Grafana) of {len(store.times)} snapshot rounds, "
        f"{start:%Y-%m-%d %H:%M:%S} to {end:%H:%M:%S} UTC, "
        f"$__rate_interval={variables['__rate_interval']}"
    )
    return f"{note} · {label}" if label else note


def render(
    dashboard: dict[str, Any], snapshots: Path, width: int = WIDTH, label: str = ""
) -> tuple[str, list[PanelData]]:
    """The page's HTML and the evaluated panels."""
    store = load_snapshots(snapshots)
    variables = default_variables(store)
    panels = evaluate_dashboard(dashboard, store, variables)
    return render_html(dashboard, panels, describe(store, variables, label), width), panels


def find_chromium() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        if found := shutil.which(candidate):
            return found
    raise SystemExit("Chromium not found: apt-get install chromium (or pass --no-png)")


def screenshot(html_path: Path, png: Path, width: int, height: int) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="va-render-") as profile:
        subprocess.run(
            [
                find_chromium(),
                "--headless",
                "--no-sandbox",  # root in containers; the page is a local file we wrote
                "--disable-gpu",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png}",
                html_path.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshots", type=Path, required=True, help="record_metrics.py output")
    parser.add_argument("--dashboard", type=Path, default=DASHBOARD)
    parser.add_argument(
        "--html", type=Path, default=ROOT / ".run" / "observability" / "dashboard.html"
    )
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "images" / "dashboard.png")
    parser.add_argument("--no-png", action="store_true", help="write the HTML only")
    parser.add_argument("--width", type=int, default=WIDTH)
    parser.add_argument("--label", default="", help="where the data came from, for the header")
    args = parser.parse_args()

    dashboard = json.loads(args.dashboard.read_text(encoding="utf-8"))
    page, panels = render(dashboard, args.snapshots, args.width, args.label)
    args.html.parent.mkdir(parents=True, exist_ok=True)
    args.html.write_text(page, encoding="utf-8")
    empty = [p.panel["title"] for p in panels if p.panel["type"] != "row" and not p.has_values]
    drawn = sum(1 for p in panels if p.panel["type"] != "row")
    print(f"{args.html}: {drawn - len(empty)} of {drawn} panels have data")
    for title in empty:
        print(f"  no data: {title}")
    if not args.no_png:
        width, height = page_size(dashboard["panels"], args.width)
        screenshot(args.html, args.png, width, height)
        print(f"{args.png}: {width}x{height}")


if __name__ == "__main__":
    main()
