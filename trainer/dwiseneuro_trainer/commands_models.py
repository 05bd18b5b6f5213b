"""Subcommands about models: summary, import-original, export, convert, predict."""
import json
from pathlib import Path

import numpy as np
import torch

from . import configs, ensemble
from .model import DwiseNeuro, count_parameters


def register(subparsers) -> None:
    p = subparsers.add_parser("summary", help="parameter count and configuration of a config")
    p.add_argument("--config", required=True, help="built-in config name or JSON file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=summary)

    for name, help_text in (("import-original", "convert the original solution's checkpoints"),
                            ("export", "export experiments trained by this trainer")):
        p = subparsers.add_parser(name, help=f"{help_text} into an ensemble folder")
        p.add_argument("experiments", nargs="+", type=Path, metavar="EXPERIMENT_DIR",
                       help="folders with fold_<k>/model-<epoch>-<score>.pth")
        p.add_argument("--out", required=True, type=Path, metavar="MODELS_DIR")
        p.add_argument("--mice", help="comma-separated mouse ids, in readout order")
        p.add_argument("--name", help="ensemble name (default: the folder name)")
        _member_options(p)
        p.set_defaults(handler=export)

    p = subparsers.add_parser("convert", help="rebuild every member of an ensemble folder into a new one "
                                              "(another form or dtype, the current member methods)")
    p.add_argument("models", type=Path, metavar="MODELS_DIR")
    p.add_argument("--out", required=True, type=Path, metavar="NEW_DIR")
    _member_options(p, keep_display=True)
    p.set_defaults(handler=convert)

    p = subparsers.add_parser("predict", help="reference prediction of an ensemble for one clip")
    p.add_argument("--models", required=True, type=Path, metavar="MODELS_DIR")
    p.add_argument("--mouse", required=True)
    p.add_argument("--video", required=True, type=Path, help="(36, 64, T) .npy")
    p.add_argument("--behavior", required=True, type=Path, help="(2, T) .npy")
    p.add_argument("--pupil-center", required=True, type=Path, help="(2, T) .npy")
    p.add_argument("--out", required=True, type=Path, help="output (neurons, T) float32 .npy")
    p.add_argument("--batch-size", type=int, default=1,
                   help="windows per forward call (1 is the original predictor's way)")
    p.set_defaults(handler=predict)


def _member_options(p, keep_display: bool = False) -> None:
    p.add_argument("--form", default=ensemble.DEFAULT_FORM, choices=list(ensemble.FORMS),
                   help="inference: BatchNorm folded, layout for fast depthwise convolutions (the same "
                        "numbers); plain: the scripted training module (default: %(default)s)")
    p.add_argument("--dtype", default="float32", choices=list(ensemble.DTYPES),
                   help="compute dtype inside the members; inputs and outputs stay float32 "
                        "(only float32 equals the original; default: %(default)s)")
    p.add_argument("--display", metavar="WIDTH_CM,HEIGHT_CM,DISTANCE_CM",
                   help="the screen the frame fills and the eye's distance from it "
                        + ("(default: the source's, else " if keep_display else "(default: ")
                        + "the Sensorium 2023 rig, 56.5,31.8,15)")


def summary(args) -> int:
    config = configs.load_config(args.config)
    kwargs = configs.model_kwargs(config)
    if not kwargs.get("readout_outputs"):
        kwargs["readout_outputs"] = [100, 100]  # configs whose mice come from the data
    with torch.no_grad():
        model = DwiseNeuro(**kwargs)
    info = {
        "config": args.config,
        "parameters": count_parameters(model),
        "readouts": len(kwargs["readout_outputs"]),
        "nn_module": ensemble._jsonable(kwargs),
    }
    if args.json:
        print(json.dumps(info, indent=1))
    else:
        print(f"{args.config}: {info['parameters']:,} trainable parameters, {info['readouts']} readouts")
    return 0


def export(args) -> int:
    mice = [m.strip() for m in args.mice.split(",")] if args.mice else None
    manifest = ensemble.write_ensemble(args.experiments, args.out, mouse_ids=mice, name=args.name,
                                       dtype=args.dtype, form=args.form,
                                       display=ensemble.parse_display(args.display))
    print(f"wrote {args.out / ensemble.MANIFEST}: {len(manifest['members'])} members, "
          f"{len(manifest['mice'])} mice")
    return 0


def convert(args) -> int:
    manifest = ensemble.convert_ensemble(args.models, args.out, form=args.form, dtype=args.dtype,
                                         display=ensemble.parse_display(args.display))
    print(f"wrote {args.out / ensemble.MANIFEST}: {len(manifest['members'])} members, "
          f"{args.form} form, {args.dtype}")
    return 0


def _load_array(path: Path) -> np.ndarray:
    try:
        return np.load(str(path), allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not a readable .npy array ({error})") from error


def predict(args) -> int:
    from .predict import predict_clip
    models = ensemble.load_ensemble(args.models)
    responses = predict_clip(models, args.mouse, _load_array(args.video), _load_array(args.behavior),
                             _load_array(args.pupil_center), batch_size=args.batch_size)
    np.save(str(args.out), responses)
    print(f"wrote {args.out}: {responses.shape[0]} neurons x {responses.shape[1]} frames")
    return 0
