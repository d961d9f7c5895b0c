"""The benchmark, CI-sized: it completes and writes its JSON (times are reported, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_benchmark_runs_at_ci_size(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    finished = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench.py"),
            "--pupils",
            "10",
            "--naive-pupils",
            "1",
            "--memory-pupils",
            "12",
            "--json",
            str(results),
            "--work",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    result = json.loads(results.read_text(encoding="utf-8"))
    assert result["pupils"] == 10 and result["bundles"] == 10
    assert result["documents"] >= 30  # IHP, emergency sheet and letter each, some training records
    runs = result["runs"]
    assert runs["cold"]["summary"].startswith("10 built")
    assert runs["no-op"]["summary"].startswith("Nothing to rebuild")
    assert runs["one changed"]["summary"].startswith("1 built, 9 unchanged")
    assert runs["one changed"]["bundles"] == 1
    assert runs["Word only (--no-pdf)"]["bundles"] == 0
    assert result["memory_run"]["summary"].startswith("12 built")
    for stage in ("check", "render", "convert", "bundle"):
        assert runs["cold"]["stages"][stage] > 0, stage
    assert runs["cold"]["peak"]["tool_mb"] > 0 and runs["cold"]["peak"]["libreoffice_mb"] > 0
    assert result["naive"]["documents"] >= 3
    assert [row["stage"] for row in result["stages"]][-1] == "total (wall clock)"
    assert set(result["targets"]) == {
        "speed_up_over_naive",
        "render_ms_per_document",
        "noop_seconds_at_200",
        "one_changed_seconds",
        "tool_peak_mb_at_1000",
    }
    # The table printed for the README says the same.
    assert "| total (wall clock) |" in finished.stdout
    assert f"Wrote {results}" in finished.stdout
