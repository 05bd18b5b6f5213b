"""Full-size DwiseNeuro for the benchmarks: the published architecture (true_batch_001) with random
weights (the original initialisation), as one TorchScript member or as an ensemble folder written by
the trainer's own `export` (checkpoints in the original format, one per fold), so that the service
loads exactly what users serve.

    /usr/bin/python3 bench/full_size.py member OUT.pt                       one scripted member
    /usr/bin/python3 bench/full_size.py ensemble OUT_DIR [--members 2] [--form inference] [--tiny]

`--form` is passed to `trainer export` (inference: BatchNorm folded, fast depthwise layout); `--tiny`
builds the same way at a tiny size, for dry runs.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "trainer")]
from dwiseneuro_trainer import full_size  # noqa: E402
from dwiseneuro_trainer.model import DwiseNeuro, init_weights  # noqa: E402


def model(model_kwargs, seed: int) -> DwiseNeuro:
    torch.manual_seed(seed)
    net = DwiseNeuro(**model_kwargs)
    init_weights(net)
    return net.eval()


def write_member(out: Path, tiny: bool = False) -> Path:
    torch.jit.script(model(full_size.model_kwargs(tiny=tiny), 0)).save(str(out))
    return out


def write_ensemble(out: Path, members: int = 2, form: str = None, tiny: bool = False) -> Path:
    """An ensemble folder of `members` folds, through `trainer export` (and its manifest)."""
    model_kwargs = full_size.model_kwargs(tiny=tiny)
    with tempfile.TemporaryDirectory(prefix="full-size-experiment-") as tmp:
        experiment = Path(tmp) / ("tiny_random" if tiny else "true_batch_001_random")
        for fold in range(members):
            folder = experiment / f"fold_{fold}"
            folder.mkdir(parents=True)
            torch.save({"model_name": "dwiseneuro", "params": {"nn_module": ("dwiseneuro", model_kwargs)},
                        "nn_state_dict": model(model_kwargs, fold).state_dict()},
                       folder / "model-000-0.000000.pth")
        command = [str(ROOT / "trainer" / "bin" / "trainer"), "export", str(experiment), "--out", str(out)]
        if form:
            command += ["--form", form]
        subprocess.run(command, check=True, cwd=str(ROOT))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("member")
    one.add_argument("out", type=Path)
    one.add_argument("--tiny", action="store_true")
    many = sub.add_parser("ensemble")
    many.add_argument("out", type=Path)
    many.add_argument("--members", type=int, default=2)
    many.add_argument("--form", default=None, help="passed to trainer export (plain, inference)")
    many.add_argument("--tiny", action="store_true")
    args = parser.parse_args()
    if args.what == "member":
        write_member(args.out, args.tiny)
    else:
        write_ensemble(args.out, args.members, args.form, args.tiny)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
