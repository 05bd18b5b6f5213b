"""trainer/scripts/gpu_check.py refuses cleanly without CUDA and its CPU dry run writes a report."""
import json
import subprocess
import sys

import pytest
import torch

from training_support import TRAINER_ROOT

SCRIPT = TRAINER_ROOT / "scripts" / "gpu_check.py"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: run the script itself")
def test_refuses_without_cuda(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "no CUDA device is available" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "gpu_check.json").exists()


def test_cpu_dry_run_writes_the_report(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path), "--cpu-dry-run", "--steps", "2"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    assert [r["config"] for r in report["results"]] == ["demo", "demo_distillation"]
    for r in report["results"]:
        assert r["samples_per_s"] > 0 and r["steps"] == 2 and r["nonfinite_losses"] == 0
    assert "| demo_distillation |" in (tmp_path / "gpu_check.md").read_text()
