"""Ensemble folders: `manifest.json` plus one TorchScript file per member (fold, stage).

The format is documented in models/README.md; the Java service reads the same manifest.
"""
import datetime
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import torch

from . import checkpoints, constants, members, statistics
from .checkpoints import CheckpointError
from .model import DwiseNeuro

MANIFEST = "manifest.json"
FORMAT = "dwiseneuro-ensemble"
VERSION = 1
VIDEO_HEIGHT, VIDEO_WIDTH = 36, 64


class EnsembleError(Exception):
    """A missing, wrong or mismatched ensemble file; the message names the file."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder and rename: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the file from the service's user
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def default_mice(readout_outputs: Sequence[int]) -> List[Dict[str, Any]]:
    """Mouse ids when none are given: the Sensorium 2023 ten when the readouts match them."""
    if list(readout_outputs) == constants.SENSORIUM_NUM_NEURONS:
        ids = constants.SENSORIUM_MICE
    else:
        ids = [f"mouse{i}" for i in range(len(readout_outputs))]
    return [{"id": mouse_id} for mouse_id in ids]


DTYPES = members.DTYPES
FORMS = members.FORMS
DEFAULT_FORM = "inference"


def parse_display(text: Optional[str]) -> Optional[Dict[str, float]]:
    """`--display WIDTH_CM,HEIGHT_CM,DISTANCE_CM` -> the manifest's display block (None: not given)."""
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 3 or min(values) <= 0:
        raise EnsembleError(f"--display takes three positive numbers WIDTH_CM,HEIGHT_CM,DISTANCE_CM, not '{text}'")
    return dict(zip(("screen_width_cm", "screen_height_cm", "distance_cm"), values))


def _check_choice(form: str, dtype: str) -> None:
    if dtype not in DTYPES:
        raise EnsembleError(f"unknown dtype '{dtype}': use one of {', '.join(DTYPES)}")
    if form not in FORMS:
        raise EnsembleError(f"unknown form '{form}': use one of {', '.join(FORMS)}")


def export_member(model: torch.nn.Module, target: Path, form: str, dtype: str,
                  size: Sequence[int], log=print) -> Dict[str, Any]:
    """Script `model` (an eval DwiseNeuro) in `form` and `dtype` to `target`, verified against it.

    Returns the manifest fields the member file determines (the caller adds stage, fold, source...).
    """
    scripted = members.script_member(model, form)
    error = members.verify(model, scripted, size, str(target))
    note = f"relative error {error:.1e} against the eager model"
    if dtype != "float32":
        scripted = scripted.to(DTYPES[dtype])
        half = members.half_precision_error(model, scripted, size)
        note += (f"; {dtype}: {half:.1e} against float32" if half is not None
                 else f"; {dtype} has no CPU kernels in torch {torch.__version__}: error not measured here")
    _atomic_write(target, lambda tmp: torch.jit.save(scripted, str(tmp)))
    log(f"  {target.name}: {form} form, {dtype}, {note}")
    return {
        "dtype": dtype,
        "io_dtype": members.IO_DTYPE,
        "form": form,
        "methods": list(members.METHODS),
        "bytes": target.stat().st_size,
        "sha256": sha256_of(target),
    }


def write_ensemble(experiment_dirs: Sequence[Path], out_dir: Path,
                   mouse_ids: Optional[Sequence[str]] = None, name: Optional[str] = None,
                   log=print, dtype: str = "float32", form: str = DEFAULT_FORM,
                   display: Optional[Dict[str, float]] = None) -> Dict[str, Any]:
    """Script the best checkpoint of every fold of every experiment into `out_dir`.

    `dtype` other than float32 computes in half precision inside the member (for GPUs: half the
    memory, tensor cores); inputs and outputs stay float32. Only float32 equals the original.
    """
    _check_choice(form, dtype)
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: List[Dict[str, Any]] = []
    mice: Optional[List[Dict[str, Any]]] = None
    readout_outputs: Optional[List[int]] = None
    stack: Optional[Dict[str, Any]] = None
    size: Optional[List[int]] = None
    for experiment_dir in experiment_dirs:
        stage = experiment_dir.name
        for fold in checkpoints.best_checkpoints(experiment_dir):
            checkpoint = checkpoints.read_checkpoint(fold.path)
            model = checkpoints.build_model(checkpoint, fold.path)
            outputs = [int(n) for n in checkpoint["params"]["nn_module"][1]["readout_outputs"]]
            this_stack = checkpoints.frame_stack(checkpoint)
            this_size = checkpoints.image_size(checkpoint)
            if readout_outputs is None:
                readout_outputs, stack, size = outputs, this_stack, this_size
                mice = checkpoints.mice_of(checkpoint)
            elif (outputs, this_stack, this_size) != (readout_outputs, stack, size):
                raise CheckpointError(
                    f"{fold.path}: readouts {outputs}, frame stack {this_stack} or image size {this_size} "
                    f"differ from the first member's {readout_outputs}, {stack}, {size}")
            file_name = f"{stage}-fold_{fold.fold}.pt"
            log(f"exporting {fold.path} -> {out_dir / file_name}")
            entry = {
                "file": file_name,
                "stage": stage,
                "fold": fold.fold,
                "source": fold.path.name,
                "score": fold.score,
                "parameters": sum(p.numel() for p in model.parameters()),
                "nn_module": _jsonable(checkpoint["params"]["nn_module"][1]),
            }
            entry.update(export_member(model, out_dir / file_name, form, dtype, this_size, log))
            entries.append(entry)
    assert readout_outputs is not None and stack is not None and size is not None
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "name": name or out_dir.resolve().name,
        "architecture": "dwiseneuro",
        "created": _now(),
        "torch_version": torch.__version__,
        "input": {"channels": 5, "height": size[1], "width": size[0],
                  "video_height": VIDEO_HEIGHT, "video_width": VIDEO_WIDTH,
                  "pad_fill_value": 0.0, "fps": constants.FPS},
        "frame_stack": stack,
        "display": dict(display or constants.SENSORIUM_DISPLAY),
        "mice": [_mouse_entry(statistics.export_mouse(m, out_dir))  # per-frame std: a side file
                 for m in mouse_entries(readout_outputs, mice, mouse_ids)],
        "members": entries,
    }
    _write_manifest(out_dir, manifest)
    return manifest


def mouse_entries(readout_outputs: Sequence[int], mice: Optional[List[Dict[str, Any]]],
                  mouse_ids: Optional[Sequence[str]]) -> List[Dict[str, Any]]:
    """One entry per readout: the checkpoint's mice (with their statistics), `--mice` ids or defaults."""
    if mouse_ids is not None:
        if len(mouse_ids) != len(readout_outputs):
            raise EnsembleError(f"--mice names {len(mouse_ids)} mice but the models have "
                                f"{len(readout_outputs)} readouts")
        mice = [{"id": mouse_id} for mouse_id in mouse_ids]
    elif mice is None:
        mice = default_mice(readout_outputs)
    for index, (mouse, neurons) in enumerate(zip(mice, readout_outputs)):
        mouse["index"] = index
        mouse["neurons"] = neurons
        if len(mouse.get("unit_ids", [])) not in (0, neurons):
            raise EnsembleError(f"mouse {mouse['id']}: {len(mouse['unit_ids'])} unit ids for {neurons} neurons")
    return mice


def convert_ensemble(source: Path, out_dir: Path, form: str = DEFAULT_FORM, dtype: str = "float32",
                     display: Optional[Dict[str, float]] = None, log=print) -> Dict[str, Any]:
    """Rebuild every member of the ensemble folder `source` in `form` and `dtype` into `out_dir`.

    Each member's eager DwiseNeuro comes from its TorchScript weights and the manifest's
    `nn_module`; the new member is verified against it. Mice, statistics and every other file are
    kept. Weights a half-precision member was stored in stay rounded in any new dtype.
    """
    _check_choice(form, dtype)
    manifest = read_manifest(source)
    if out_dir.resolve() == source.resolve():
        raise EnsembleError(f"{out_dir}: convert writes a new folder; give --out another path than the source")
    out_dir.mkdir(parents=True, exist_ok=True)
    member_files = {m["file"] for m in manifest["members"]}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_file() and str(relative) not in member_files | {MANIFEST} and not relative.name.startswith("."):
            (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out_dir / relative)
    size = [manifest["input"]["width"], manifest["input"]["height"]]
    entries = []
    for old in manifest["members"]:
        path = source / old["file"]
        log(f"converting {path} -> {out_dir / old['file']}")
        model = eager_model_of(path, old)
        entry = {key: value for key, value in old.items()
                 if key not in ("dtype", "io_dtype", "form", "methods", "bytes", "sha256")}
        entry.update(export_member(model, out_dir / old["file"], form, dtype, size, log))
        entries.append(entry)
    converted = dict(manifest)
    converted.update({"torch_version": torch.__version__, "converted": _now(), "members": entries,
                      "display": dict(display or manifest.get("display") or constants.SENSORIUM_DISPLAY)})
    _write_manifest(out_dir, converted)
    return converted


def eager_model_of(path: Path, entry: Dict[str, Any]) -> torch.nn.Module:
    """The eval float32 DwiseNeuro of a member file, from its weights and the manifest's nn_module."""
    if path.is_file() and "nn_module" not in entry:
        raise EnsembleError(f"{path}: the manifest has no nn_module for this member")
    module = load_member(path, entry)
    model = DwiseNeuro(**entry["nn_module"])
    try:
        model.load_state_dict(members.plain_state_dict(module, entry.get("form", "plain")), strict=True)
    except (RuntimeError, KeyError) as error:
        raise EnsembleError(f"{path}: weights do not match the manifest's nn_module:\n{error}") from error
    return model.eval()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _write_manifest(out_dir: Path, manifest: Dict[str, Any]) -> None:
    _atomic_write(out_dir / MANIFEST, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1) + "\n"))


def _mouse_entry(mouse: Dict[str, Any]) -> Dict[str, Any]:
    first = ("id", "index", "neurons")
    entry = {key: mouse[key] for key in first}
    entry.update({key: _jsonable(value) for key, value in mouse.items() if key not in first})
    return entry


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


@dataclass
class Ensemble:
    folder: Path
    manifest: Dict[str, Any]
    members: List[torch.jit.ScriptModule]

    def mouse_index(self, mouse_id: str) -> int:
        for mouse in self.manifest["mice"]:
            if mouse["id"] == mouse_id:
                return int(mouse["index"])
        known = ", ".join(m["id"] for m in self.manifest["mice"])
        raise EnsembleError(f"unknown mouse '{mouse_id}'; this ensemble has: {known}")

    def neurons(self, mouse_index: int) -> int:
        return int(self.manifest["mice"][mouse_index]["neurons"])

    def input_dtype(self, member_index: int) -> torch.dtype:
        """float32 for every member that follows the float32 contract (`io_dtype`); a legacy member
        takes its compute dtype."""
        entry = self.manifest["members"][member_index]
        return DTYPES[entry.get("io_dtype") or entry.get("dtype", "float32")]


def read_manifest(folder: Path) -> Dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise EnsembleError(f"{path}: manifest not found")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise EnsembleError(f"{path}: not valid JSON ({error})") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise EnsembleError(f"{path}: not a {FORMAT} manifest of version {VERSION}")
    for key in ("input", "frame_stack", "mice", "members"):
        if key not in manifest:
            raise EnsembleError(f"{path}: '{key}' missing")
    if not manifest["members"]:
        raise EnsembleError(f"{path}: no members")
    return manifest


def load_ensemble(folder: Path, verify_checksums: bool = True) -> Ensemble:
    manifest = read_manifest(folder)
    members = []
    for member in manifest["members"]:
        members.append(load_member(folder / member["file"], member, verify_checksums).eval())
    return Ensemble(folder=folder, manifest=manifest, members=members)


def load_member(path: Path, entry: Dict[str, Any], verify_checksum: bool = True) -> torch.jit.ScriptModule:
    """A member file as its manifest entry lists it: present, its sha256 as recorded, loadable."""
    if not path.is_file():
        raise EnsembleError(f"{path}: member file listed in the manifest is missing")
    if verify_checksum and entry.get("sha256") and sha256_of(path) != entry["sha256"]:
        raise EnsembleError(f"{path}: sha256 differs from the manifest (corrupt or replaced file)")
    try:
        return torch.jit.load(str(path), map_location="cpu")
    except Exception as error:
        raise EnsembleError(f"{path}: not a loadable TorchScript file ({error})") from error
