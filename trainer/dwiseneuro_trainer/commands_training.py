"""Subcommands about data and training: synth, check-data, train, evaluate, download."""
import json
import sys
import time
from pathlib import Path
from typing import List, Optional

from . import configs
from .runtime import tune_malloc


def _ints(text: str) -> List[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def _names(text: Optional[str]) -> Optional[List[str]]:
    return [v.strip() for v in text.split(",") if v.strip()] if text else None


def register(subparsers) -> None:
    p = subparsers.add_parser("synth", help="write a synthetic dataset in the Sensorium 2023 format")
    p.add_argument("--out", required=True, type=Path, metavar="DATA_DIR")
    p.add_argument("--mice", type=int, default=2, help="number of mice (default 2)")
    p.add_argument("--neurons", default="120", help="neurons per mouse: one value or one per mouse")
    p.add_argument("--trials", default="60", help="trials per mouse: one value or one per mouse")
    p.add_argument("--frames", type=int, default=300, help="frames of a natural-video trial (default 300)")
    p.add_argument("--videos", type=int, help="size of the shared video pool (default 3/4 of the "
                                              "training trials, so videos repeat)")
    p.add_argument("--filters", type=int, default=6, help="spatio-temporal filters of the true model")
    p.add_argument("--mouse-ids", help="comma-separated mouse folder names (default mouse0, mouse1, ...)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--none-trials", type=int, default=0, help="extra all-NaN trials of tier 'none'")
    p.add_argument("--statistics", default="vector", choices=["vector", "column", "frames"],
                   help="layout of meta/statistics: vector (N,) and a scalar video mean (default), column (N, 1) "
                        "and per-pixel videos, frames (N, T) and (36, 64, T): per frame over trials")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=synth)

    p = subparsers.add_parser("check-data", help="read and check a dataset, print its folds")
    p.add_argument("--data", required=True, type=Path, metavar="DATA_DIR")
    p.add_argument("--mice", help="comma-separated mouse folders (default: all)")
    p.add_argument("--full", action="store_true", help="also check every response value (slow)")
    p.set_defaults(handler=check_data)

    p = subparsers.add_parser("train", help="train folds of a config (stage 1, or stage 2 with 'distill')")
    p.add_argument("--config", required=True, help="built-in config name or JSON file")
    p.add_argument("--data", required=True, type=Path, metavar="DATA_DIR")
    p.add_argument("--out", required=True, type=Path, metavar="EXPERIMENT_DIR")
    p.add_argument("--folds", default="all", help="comma-separated folds, or 'all' (0..6)")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda when available")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value (dotted keys, JSON values), e.g. num_epochs=[1,2]")
    p.add_argument("--resume", action="store_true", help="continue the folds from their last.pth")
    p.add_argument("--distill-from", metavar="EXPERIMENT_DIR",
                   help="stage-1 experiment to distill from (default: distill.experiment of the config, "
                        "next to --out)")
    p.add_argument("--mice", help="comma-separated mouse folders, in readout order (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, sampling and order (default 0)")
    p.add_argument("--keep", default="last", choices=["last", "best", "all"],
                   help="checkpoints kept per fold: the last epoch's (the original), the best, or all")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (logs only)")
    p.set_defaults(handler=train)

    p = subparsers.add_parser("evaluate", help="out-of-fold evaluation of experiments, or of an "
                                               "exported ensemble on given tiers; JSON and plots")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--experiment", type=Path, nargs="+", metavar="EXPERIMENT_DIR",
                        help="experiments trained by `train` (several: also their ensemble)")
    source.add_argument("--models", type=Path, metavar="MODELS_DIR", help="an exported ensemble")
    p.add_argument("--data", required=True, type=Path, metavar="DATA_DIR")
    p.add_argument("--out", required=True, type=Path, metavar="REPORT_DIR")
    p.add_argument("--folds", help="comma-separated folds (default: every fold with checkpoints)")
    p.add_argument("--tiers", default="train,oracle",
                   help="with --models: tiers to evaluate (synthetic test tiers use the kept truth)")
    p.add_argument("--mice", help="comma-separated mouse folders, in readout order (default: all)")
    p.add_argument("--device", choices=["cpu", "cuda"])
    p.add_argument("--batch-size", type=int, default=16, help="windows per forward call")
    p.add_argument("--untrained-baseline", action="store_true",
                   help="also score an untrained model of the same architecture")
    p.set_defaults(handler=evaluate)

    p = subparsers.add_parser("download", help="download the Sensorium 2023 data (resumable)")
    p.add_argument("--out", required=True, type=Path, metavar="DATA_DIR")
    p.add_argument("--mice", help="comma-separated mouse ids (default: the ten Sensorium 2023 mice)")
    p.add_argument("--base-url", help="fetch <base-url>/<mouse>.zip instead of the GIN URLs")
    p.add_argument("--keep-zip", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=download)


def _log(message: str) -> None:
    print(message, flush=True)


def _fail(command: str, error: Exception, code: int = 2) -> int:
    print(f"trainer {command}: error: {error}", file=sys.stderr)
    return code


def synth(args) -> int:
    from . import synth as synth_module
    summary = synth_module.generate(args.out, mice=args.mice, neurons=_ints(args.neurons),
                                    trials=_ints(args.trials), frames=args.frames, videos=args.videos,
                                    filters=args.filters, seed=args.seed, mouse_ids=_names(args.mouse_ids),
                                    dtype=args.dtype, none_trials=args.none_trials,
                                    statistics=args.statistics)
    print(f"wrote {args.out}: {args.mice} mice, noise ceiling {summary['noise_ceiling']:.3f} "
          f"({args.out / synth_module.CEILING_FILE})")
    return 0


def check_data(args) -> int:
    from .data import DataError, read_dataset, training_report
    from .folds import assign_folds
    try:
        mice = read_dataset(args.data, mice=_names(args.mice), full=args.full)
    except DataError as error:
        return _fail("check-data", error)
    assign_folds(mice)
    for mouse in mice:
        counts = [sum(1 for t in mouse.trials if t.fold == k) for k in range(7)]
        print(training_report(mouse))
        print(f"{mouse.id}: trials per fold {counts}")
    print("data OK")
    return 0


def _device_name(requested: Optional[str]) -> str:
    import torch
    if requested:
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def train(args) -> int:
    import torch
    from .data import DataError, read_dataset
    from .distill import DistillError
    from .checkpoints import CheckpointError
    from .folds import assign_folds
    from .training import FoldOptions, TrainingError, check_config, init_distributed, prepare_experiment, train_fold

    tune_malloc()
    config = configs.load_config(args.config)
    for item in args.set:
        if "=" not in item:
            return _fail("train", ValueError(f"--set {item}: expected KEY=VALUE"))
        key, value = item.split("=", 1)
        configs.set_value(config, key, value)
    if args.distill_from and "distill" not in config:
        return _fail("train", ValueError("--distill-from: the config has no 'distill' section"))
    if args.threads:
        torch.set_num_threads(args.threads)
    folds_list = list(range(7)) if args.folds == "all" else _ints(args.folds)
    if any(k < 0 or k > 6 for k in folds_list):
        return _fail("train", ValueError(f"--folds {args.folds}: folds are 0..6"))
    try:
        check_config(config)
        dist_info, device = init_distributed(_device_name(args.device))
        quiet = (lambda message: None) if not dist_info.is_main else _log
        args.out.mkdir(parents=True, exist_ok=True)
        mice = read_dataset(args.data, mice=_names(args.mice),
                            hash_cache_path=args.out / "phash_cache.json" if dist_info.is_main else None,
                            log=quiet)
        assign_folds(mice)
        resolved = prepare_experiment(config, mice, args.out, args.resume, dist_info, args.config)
        quiet(f"training {args.config} on {len(mice)} mice, folds {folds_list}, device {device}"
              + (f", {dist_info.world_size} processes" if dist_info.enabled else ""))
        summaries = []
        for fold in folds_list:
            started = time.time()
            opts = FoldOptions(fold=fold, device=device, dist_info=dist_info, resume=args.resume,
                               seed=args.seed, keep=args.keep, distill_from=args.distill_from,
                               progress=not args.no_progress, log=quiet)
            summary = train_fold(resolved, mice, args.out, opts)
            summary["seconds"] = round(time.time() - started, 1)
            summaries.append(summary)
        if dist_info.is_main:
            print(json.dumps({"experiment": str(args.out), "folds": summaries}, indent=1))
    except (DataError, TrainingError, DistillError, CheckpointError) as error:
        return _fail("train", error, 3 if "loss became" in str(error) else 2)
    return 0


def evaluate(args) -> int:
    import torch
    from .checkpoints import CheckpointError
    from .data import DataError, read_dataset
    from .ensemble import EnsembleError
    from .evaluate import EvaluationError, evaluate_ensemble, evaluate_experiments
    from .folds import assign_folds

    tune_malloc()
    device = torch.device(_device_name(args.device))
    try:
        mice = read_dataset(args.data, mice=_names(args.mice))
        assign_folds(mice)
        if args.experiment:
            report = evaluate_experiments(args.experiment, mice, args.data, args.out, device,
                                          folds=_ints(args.folds) if args.folds else None,
                                          batch_size=args.batch_size,
                                          untrained_baseline=args.untrained_baseline)
        else:
            report = evaluate_ensemble(args.models, mice, args.data, args.out, _names(args.tiers) or [],
                                       batch_size=args.batch_size)
    except (DataError, EvaluationError, CheckpointError, EnsembleError) as error:
        return _fail("evaluate", error)
    print(f"wrote {args.out / 'evaluation.json'} and {', '.join(report['plots'])}")
    return 0


def download(args) -> int:
    from .download import DownloadError, download as run
    try:
        run(args.out, mice=_names(args.mice), base_url=args.base_url, keep_zip=args.keep_zip,
            progress=not args.no_progress)
    except DownloadError as error:
        return _fail("download", error)
    return 0
