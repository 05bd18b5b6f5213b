"""Ensemble folders: `manifest.json` plus one TorchScript file per member (fold, stage).

The format is documented in models/README.md; the Java service reads the same manifest.
"""
import datetime
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import torch

from . import checkpoints, constants, statistics
from .checkpoints import CheckpointError

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


def _check_equal_scripted(model: torch.nn.Module, scripted: torch.jit.ScriptModule,
                          size: Sequence[int], path: Path) -> None:
    """Guard against scripting changing the arithmetic: one random window, every readout."""
    generator = torch.Generator().manual_seed(0)
    x = torch.rand((2, model.core.stem[0].in_channels, 16, size[1], size[0]), generator=generator) * 255
    with torch.no_grad():
        eager = model(x)
        script = scripted(x)
    for i, (a, b) in enumerate(zip(eager, script)):
        if not torch.allclose(a, b, rtol=1e-5, atol=1e-5):
            raise EnsembleError(f"{path}: scripted readout {i} differs from the eager model")


DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def write_ensemble(experiment_dirs: Sequence[Path], out_dir: Path,
                   mouse_ids: Optional[Sequence[str]] = None, name: Optional[str] = None,
                   log=print, dtype: str = "float32") -> Dict[str, Any]:
    """Script the best checkpoint of every fold of every experiment into `out_dir`.

    `dtype` other than float32 casts the weights (for GPUs: half the memory, tensor cores); the
    service then feeds that member inputs of the same dtype. Only float32 equals the original.
    """
    if dtype not in DTYPES:
        raise EnsembleError(f"unknown dtype '{dtype}': use one of {', '.join(DTYPES)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    members: List[Dict[str, Any]] = []
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
            target = out_dir / file_name
            scripted = torch.jit.script(model)
            _check_equal_scripted(model, scripted, this_size, fold.path)
            # Cast after the check: CPUs lack half-precision kernels for some of the model's layers.
            scripted = scripted.to(DTYPES[dtype])
            _atomic_write(target, lambda tmp: torch.jit.save(scripted, str(tmp)))
            members.append({
                "file": file_name,
                "stage": stage,
                "fold": fold.fold,
                "source": fold.path.name,
                "score": fold.score,
                "parameters": sum(p.numel() for p in model.parameters()),
                "nn_module": _jsonable(checkpoint["params"]["nn_module"][1]),
                "dtype": dtype,
                "bytes": target.stat().st_size,
                "sha256": sha256_of(target),
            })
            log(f"exported {fold.path} -> {target}")
    assert readout_outputs is not None and stack is not None and size is not None
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
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "name": name or out_dir.resolve().name,
        "architecture": "dwiseneuro",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch_version": torch.__version__,
        "input": {"channels": 5, "height": size[1], "width": size[0],
                  "video_height": VIDEO_HEIGHT, "video_width": VIDEO_WIDTH,
                  "pad_fill_value": 0.0, "fps": constants.FPS},
        "frame_stack": stack,
        "mice": [_mouse_entry(statistics.export_mouse(m, out_dir)) for m in mice],  # per-frame std: a side file
        "members": members,
    }
    _atomic_write(out_dir / MANIFEST, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1) + "\n"))
    return manifest


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
        path = folder / member["file"]
        if not path.is_file():
            raise EnsembleError(f"{path}: member file listed in the manifest is missing")
        if verify_checksums and member.get("sha256") and sha256_of(path) != member["sha256"]:
            raise EnsembleError(f"{path}: sha256 differs from the manifest (corrupt or replaced file)")
        try:
            module = torch.jit.load(str(path), map_location="cpu")
        except Exception as error:
            raise EnsembleError(f"{path}: not a loadable TorchScript file ({error})") from error
        members.append(module.eval())
    return Ensemble(folder=folder, manifest=manifest, members=members)
