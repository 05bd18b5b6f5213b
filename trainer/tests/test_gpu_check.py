"""bench/gpu_check.py, the one GPU script: it refuses cleanly without CUDA, and its dry run (every
section with a tiny model on the CPU) writes the report."""
import json
import subprocess
import sys

import pytest
import torch

from training_support import TRAINER_ROOT

SCRIPT = TRAINER_ROOT.parent / "bench" / "gpu_check.py"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: run the script itself")
def test_refuses_without_cuda(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "no CUDA device is available" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "gpu-check.json").exists()


def test_dry_run_writes_every_section(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path), "--dry-run"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "gpu-check.json").read_text())
    sections = report["sections"]
    assert list(sections) == ["parity", "half_precision", "call_sequence", "throughput", "clip",
                              "out_of_memory", "gradient", "training"]
    assert not [name for name, s in sections.items() if "error" in s]
    assert all(r["within_1e-4"] for r in sections["parity"]["rows"])  # the original vectors, both forms
    assert all(r["plain_windows_per_s"] > 0 and r["inference_windows_per_s"] > 0 for r in sections["throughput"]["rows"])
    assert all(r["finite"] for r in sections["clip"]["rows"])
    assert all(r["gradient_s"] > 0 for r in sections["gradient"]["rows"])
    assert all(r["nonfinite_losses"] == 0 for r in sections["training"]["rows"])
    assert report["gpu"] == "none (CPU dry run)" and report["date"]
    assert "## Clip through the ensemble" in (tmp_path / "gpu-check.md").read_text()
