"""The training loop of one fold: the original recipe, with resume, logs and torchrun data parallel.

Files of a fold (EXPERIMENT_DIR/fold_<k>/):
    model-<epoch:03d>-<val_corr:.6f>.pth   the original checkpoint format, EMA weights (train stage)
    last.pth                               resume state: model, EMA, optimizer, scaler, RNG, history
    log.csv, log.json, log.txt             one row per epoch
Every file is written to a temporary name in the same folder and renamed, so a kill never leaves a
half-written checkpoint.
"""
import copy
import csv
import io
import json
import math
import os
import random
import re
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Sampler
from tqdm import tqdm

from . import configs, distill, folds
from .data import Mouse
from .ema import ModelEma
from .inputs import WindowPlan
from .losses import MicePoissonLoss, add_distillation
from .metrics import CorrelationAccumulator
from .mixers import CutMix
from .model import DwiseNeuro, init_weights
from .sampling import Collate, TrainWindows, ValWindows, WindowSource, to_device
from .schedule import LrSchedule

STATE_FILE = "last.pth"
CHECKPOINT_FORMAT = "model-{epoch:03d}-{val_corr:.6f}.pth"
_CHECKPOINT = re.compile(r"^model-\d+-\d+(?:\.\d+)?\.pth$")
KEEP_POLICIES = ("last", "best", "all")


class TrainingError(ValueError):
    """Training cannot go on (bad config, existing run, non-finite loss); the message says why."""


# ----------------------------------------------------------------------------------------- files

def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_save(obj: Any, path: Path) -> None:
    """torch.save through a temporary file in the same folder, fsync and rename."""
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, _umask_mode())
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, _umask_mode())
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------------------------- distributed

@dataclass
class DistInfo:
    world_size: int = 1
    rank: int = 0
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()


def init_distributed(device_name: str) -> "tuple[DistInfo, torch.device]":
    """torchrun sets WORLD_SIZE, RANK and LOCAL_RANK: one process per device, NCCL on CUDA and gloo
    on CPU. Without them this is a single process."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    info = DistInfo(world_size=world_size, rank=int(os.environ.get("RANK", "0")),
                    local_rank=int(os.environ.get("LOCAL_RANK", "0")))
    if device_name == "cuda":
        if not torch.cuda.is_available():
            raise TrainingError("--device cuda: no CUDA device is available")
        device = torch.device("cuda", info.local_rank if info.enabled else torch.cuda.current_device())
        if info.enabled:
            torch.cuda.set_device(device)
    elif device_name == "cpu":
        device = torch.device("cpu")
    else:
        raise TrainingError(f"--device must be cpu or cuda, not '{device_name}'")
    if info.enabled and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return info, device


class EpochSampler(Sampler):
    """A fresh permutation of the epoch's samples from (seed, epoch); rank r of w takes every w-th."""

    def __init__(self, size: int, seed: int, dist_info: DistInfo):
        self.size = size
        self.seed = seed
        self.dist_info = dist_info
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _order(self) -> List[int]:
        generator = torch.Generator().manual_seed(self.seed * 100003 + self.epoch)
        order = torch.randperm(self.size, generator=generator).tolist()
        return order[self.dist_info.rank::self.dist_info.world_size]

    def __iter__(self):
        return iter(self._order())

    def __len__(self) -> int:
        return len(range(self.dist_info.rank, self.size, self.dist_info.world_size))


# ---------------------------------------------------------------------------------------- config

def check_config(config: Dict[str, Any]) -> None:
    required = ("batch_size", "base_lr", "min_base_lr", "ema_decay", "train_epoch_size", "num_epochs",
                "stages", "num_dataloader_workers", "init_weights", "argus_params", "cutmix")
    missing = [key for key in required if key not in config]
    if missing:
        raise TrainingError(f"config lacks {', '.join(missing)}")
    params = config["argus_params"]
    checks = [
        (params["nn_module"][0] == "dwiseneuro", f"nn_module {params['nn_module'][0]!r} is not 'dwiseneuro'"),
        (params["loss"][0] == "mice_poisson", f"loss {params['loss'][0]!r} is not 'mice_poisson'"),
        (params["optimizer"][0] == "AdamW", f"optimizer {params['optimizer'][0]!r} is not 'AdamW'"),
        (params["inputs_processor"][0] == "stack_inputs",
         f"inputs_processor {params['inputs_processor'][0]!r} is not 'stack_inputs'"),
        (params["responses_processor"][0] == "identity",
         f"responses_processor {params['responses_processor'][0]!r} is not 'identity'"),
        (int(config["batch_size"]) % int(params.get("iter_size", 1)) == 0,
         "batch_size is not a multiple of iter_size"),
    ]
    for ok, message in checks:
        if not ok:
            raise TrainingError(f"config: {message} (the only one this trainer implements)")


def resolve_config(config: Dict[str, Any], mice: Sequence[Mouse]) -> Dict[str, Any]:
    """The config with readout_outputs set to the data's neuron counts, JSON round-tripped (tuples
    become lists) so that it compares equal to the config.json of a resumed experiment."""
    config = copy.deepcopy(config)
    config["argus_params"]["nn_module"][1]["readout_outputs"] = [m.num_neurons for m in mice]
    return json.loads(json.dumps(config))


def prepare_experiment(config: Dict[str, Any], mice: Sequence[Mouse], out_dir: Path, resume: bool,
                       dist_info: DistInfo, config_name: str) -> Dict[str, Any]:
    resolved = resolve_config(config, mice)
    path = out_dir / "config.json"
    if dist_info.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            saved = json.loads(path.read_text())
            if saved != resolved:
                differing = sorted(k for k in set(saved) | set(resolved) if saved.get(k) != resolved.get(k))
                raise TrainingError(f"{path}: this experiment was started with another config (differs in "
                                    f"{', '.join(differing)}); use a new --out or the same config")
        else:
            atomic_write_text(path, json.dumps(resolved, indent=2) + "\n")
        meta = {"config": config_name, "mice": [m.id for m in mice],
                "neurons": [m.num_neurons for m in mice]}
        atomic_write_text(out_dir / "experiment.json", json.dumps(meta, indent=2) + "\n")
        folds.write_fold_table(mice, out_dir / "folds.json")
    dist_info.barrier()
    return resolved


# -------------------------------------------------------------------------------------- training

@dataclass
class FoldOptions:
    fold: int
    device: torch.device
    dist_info: DistInfo = field(default_factory=DistInfo)
    resume: bool = False
    seed: int = 0
    keep: str = "last"
    distill_from: Optional[str] = None
    progress: bool = True
    log: Callable[[str], None] = print


def _rng_state() -> Dict[str, Any]:
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: Dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _cpu_state(module: torch.nn.Module) -> Dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


class FoldTrainer:
    def __init__(self, config: Dict[str, Any], mice: Sequence[Mouse], out_dir: Path, opts: FoldOptions):
        self.config = config
        self.mice = list(mice)
        self.opts = opts
        self.fold_dir = out_dir / f"fold_{opts.fold}"
        self.out_dir = out_dir
        self.device = opts.device
        self.params = config["argus_params"]
        self.amp = bool(self.params.get("amp", False)) and self.device.type == "cuda"
        self.iter_size = int(self.params.get("iter_size", 1))
        self.num_neurons = [m.num_neurons for m in self.mice]
        world = opts.dist_info.world_size
        if int(config["batch_size"]) % world:
            raise TrainingError(f"batch_size {config['batch_size']} is not divisible by the {world} processes")
        self.batch_size = int(config["batch_size"]) // world
        self.history: List[Dict[str, Any]] = []
        self.saved_checkpoints: List[str] = []
        self.best_score = -math.inf

    # ------------------------------------------------------------------ setup
    def _build(self) -> None:
        kwargs = configs.model_kwargs(self.config, self.num_neurons)
        torch.manual_seed(self.opts.seed * 1000 + self.opts.fold)
        model = DwiseNeuro(**kwargs)
        if self.config["init_weights"]:
            init_weights(model)
        self.model = model.to(self.device)
        self.ema = ModelEma(self.model, decay=self.config["ema_decay"]) if self.config["ema_decay"] else None
        self.net: torch.nn.Module = self.model
        if self.opts.dist_info.enabled:
            if self.device.type == "cuda":
                self.net = torch.nn.SyncBatchNorm.convert_sync_batchnorm(self.model)
                self.model = self.net
                if self.ema is not None:
                    self.ema.set(self.model)
            ids = [self.device.index] if self.device.type == "cuda" else None
            # a readout is unused on a rank whose share of the batch has no sample of that mouse
            self.net = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=ids,
                                                                 find_unused_parameters=True)
        optimizer_kwargs = dict(self.params["optimizer"][1])
        self.optimizer = torch.optim.AdamW(self.model.parameters(), **optimizer_kwargs)
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.amp)
        self.loss_fn = MicePoissonLoss(**self.params["loss"][1])

        stack = self.params["frame_stack"]
        self.plan = WindowPlan(stack["size"], stack["step"], stack.get("position", "last"))
        size = self.params["inputs_processor"][1]["size"]
        fill = self.params["inputs_processor"][1].get("pad_fill_value", 0.0)
        for mouse in self.mice:
            if mouse.frame_shape[0] > size[1] or mouse.frame_shape[1] > size[0]:
                raise TrainingError(f"{mouse.folder}: frames {mouse.frame_shape} do not fit the "
                                    f"{size[1]}x{size[0]} input")
        split = [folds.split(mouse, self.opts.fold) for mouse in self.mice]
        train_trials = [[t for t in s[0] if t.length >= self.plan.min_length] for s in split]
        val_trials = [[t for t in s[1] if t.length >= self.plan.min_length] for s in split]
        for mouse, trials in zip(self.mice, train_trials):
            if not trials:
                raise TrainingError(f"{mouse.folder}: no training trials outside fold {self.opts.fold}")
        if not any(val_trials):
            raise TrainingError(f"fold {self.opts.fold}: no validation trials in any mouse")
        cutmix = CutMix(**self.config["cutmix"]) if self.config.get("cutmix") else None
        self.train_set = TrainWindows(train_trials, WindowSource(self.plan, size, fill),
                                      int(self.config["train_epoch_size"]), cutmix,
                                      seed=self.opts.seed * 1000 + self.opts.fold)
        self.val_set = ValWindows(val_trials, WindowSource(self.plan, size, fill))
        self.sampler = EpochSampler(len(self.train_set), self.opts.seed * 1000 + self.opts.fold,
                                    self.opts.dist_info)
        workers = int(self.config["num_dataloader_workers"])
        pin = self.device.type == "cuda"
        collate = Collate(self.num_neurons)
        self.train_loader = DataLoader(self.train_set, batch_size=self.batch_size, sampler=self.sampler,
                                       num_workers=workers, collate_fn=collate, pin_memory=pin)
        self.val_loader = DataLoader(self.val_set, batch_size=int(self.config["batch_size"]) // self.iter_size,
                                     shuffle=False, num_workers=workers, collate_fn=collate, pin_memory=pin)
        self.schedule = LrSchedule(self.config, len(self.train_set))
        self.iterations_per_epoch = len(self.train_loader)
        self.teacher = None
        self.distill_ratio = 0.0
        if "distill" in self.config:
            experiment = distill.teacher_experiment(self.config, self.out_dir, self.opts.distill_from)
            self.teacher = distill.load_teacher(experiment, self.opts.fold, self.device, self.num_neurons,
                                                [m.id for m in self.mice])
            self.distill_ratio = float(self.config["distill"]["ratio"])
            self.opts.log(f"fold {self.opts.fold}: distilling from {self.teacher.teacher_path}, "
                          f"ratio {self.distill_ratio}")
        self.opts.log(f"fold {self.opts.fold}: {sum(map(len, train_trials))} training trials, "
                      f"{sum(map(len, val_trials))} validation trials ({len(self.val_set)} windows), "
                      f"{len(self.train_set)} samples per epoch, {self.iterations_per_epoch} iterations "
                      f"of {self.batch_size}" + (f" on each of {self.opts.dist_info.world_size} processes"
                                                 if self.opts.dist_info.enabled else ""))

    # ------------------------------------------------------------------ state
    def _state(self, epoch: int) -> Dict[str, Any]:
        return {
            "epoch": epoch,  # number of completed epochs
            "fold": self.opts.fold,
            "seed": self.opts.seed,
            "model": _cpu_state(self.model),
            "ema": _cpu_state(self.ema.ema) if self.ema is not None else None,
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "rng": _rng_state(),
            "history": self.history,
            "saved_checkpoints": self.saved_checkpoints,
            "best_score": self.best_score,
        }

    def _load_state(self, path: Path) -> int:
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=False)  # our own file
        except Exception as error:
            raise TrainingError(f"{path}: unreadable resume state ({error})") from error
        if state.get("seed") != self.opts.seed:
            raise TrainingError(f"{path}: the run used --seed {state.get('seed')}, not {self.opts.seed}")
        self.model.load_state_dict(state["model"])
        if self.ema is not None:
            self.ema.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scaler.load_state_dict(state["scaler"])
        _set_rng_state(state["rng"])
        self.history = list(state["history"])
        self.saved_checkpoints = list(state["saved_checkpoints"])
        self.best_score = float(state["best_score"])
        # checkpoints of an epoch that was interrupted before its state was saved are redone
        if self.opts.dist_info.is_main:
            for stray in self.fold_dir.glob("model-*.pth"):
                if _CHECKPOINT.match(stray.name) and stray.name not in self.saved_checkpoints:
                    stray.unlink()
        return int(state["epoch"])

    def _checkpoint_payload(self) -> Dict[str, Any]:
        params = copy.deepcopy(self.params)
        name, kwargs = params["nn_module"]
        kwargs = dict(kwargs)
        kwargs["readout_outputs"] = list(self.num_neurons)
        params["nn_module"] = (name, kwargs)
        for key in ("loss", "optimizer", "inputs_processor", "responses_processor"):
            if isinstance(params.get(key), list) and len(params[key]) == 2:
                params[key] = tuple(params[key])  # (name, kwargs) pairs, as the original's params
        processor = params.get("inputs_processor")
        if processor and isinstance(processor[1].get("size"), list):
            params["inputs_processor"] = (processor[0], dict(processor[1], size=tuple(processor[1]["size"])))
        module = self.ema.ema if self.ema is not None else self.model
        return {
            "model_name": "MouseModel",
            "params": params,
            "nn_state_dict": _cpu_state(module),
            "mice": [m.metadata() for m in self.mice],
        }

    # ------------------------------------------------------------------ steps
    def _autocast(self):
        """Mixed precision for training steps only (amp is on only on CUDA, as in the original)."""
        return torch.autocast(device_type=self.device.type, enabled=True) if self.amp else nullcontext()

    def _train_epoch(self, epoch: int) -> Dict[str, float]:
        self.train_set.set_epoch(epoch)
        self.sampler.set_epoch(epoch)
        self.net.train()
        stage = self.schedule.stage_of(epoch)
        total_loss, total_samples = 0.0, 0
        start = time.time()
        show = self.opts.progress and self.opts.dist_info.is_main
        bar = tqdm(total=len(self.sampler) * self.opts.dist_info.world_size, unit="sample", unit_scale=True,
                   desc=f"fold {self.opts.fold} epoch {epoch + 1}/{self.schedule.total_epochs} {stage.name}",
                   disable=not show, dynamic_ncols=True, mininterval=1.0, leave=False)
        lr, done = 0.0, 0
        for iteration, batch in enumerate(self.train_loader):
            lr = self.schedule.lr(epoch, iteration, self.iterations_per_epoch)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            self.optimizer.zero_grad(set_to_none=True)
            inputs, targets, weights = to_device(batch, self.device)
            step_loss = 0.0
            for chunk in range(self.iter_size):
                rows = slice(chunk * inputs.shape[0] // self.iter_size,
                             (chunk + 1) * inputs.shape[0] // self.iter_size)
                x, t, w = inputs[rows], [tt[rows] for tt in targets], weights[rows].clone()
                with self._autocast():
                    if self.teacher is not None and self.distill_ratio:
                        with torch.no_grad():
                            add_distillation(self.teacher(x), t, w, self.distill_ratio)
                    loss = self.loss_fn(self.net(x), t, w) / self.iter_size
                self.scaler.scale(loss).backward()
                step_loss += float(loss.detach())
            if self.opts.dist_info.enabled:
                value = torch.tensor([step_loss], dtype=torch.float64, device=self.device)
                dist.all_reduce(value)
                step_loss = float(value) / self.opts.dist_info.world_size
            if not math.isfinite(step_loss) and not self.amp:
                raise TrainingError(
                    f"fold {self.opts.fold}: the loss became {step_loss} at epoch {epoch + 1}, iteration "
                    f"{iteration + 1} (lr {lr:.3g}); stopped before the optimizer step. The last good state "
                    f"is {self.fold_dir / STATE_FILE} (epoch {epoch}); lower base_lr or check the data.")
            self.scaler.step(self.optimizer)
            self.scaler.update()
            if self.ema is not None:
                self.ema.update(self.model)
            samples = int(inputs.shape[0]) * self.opts.dist_info.world_size
            if math.isfinite(step_loss):
                total_loss += step_loss * samples
                total_samples += samples
            else:
                self.nonfinite_steps += 1
                if self.nonfinite_steps > 100:
                    raise TrainingError(f"fold {self.opts.fold}: {self.nonfinite_steps} iterations with a "
                                        f"non-finite loss under mixed precision (epoch {epoch + 1}); lower "
                                        f"base_lr or check the data")
            done += samples
            bar.update(samples)
            bar.set_postfix(loss=f"{step_loss:.4g}", lr=f"{lr:.3g}", refresh=False)
            fault_hook(epoch, iteration)
        bar.close()
        seconds = time.time() - start
        return {"train_loss": total_loss / max(total_samples, 1), "lr": lr, "train_seconds": seconds,
                "train_samples_per_s": (done / seconds) if seconds > 0 else 0.0}

    @torch.no_grad()
    def validate(self) -> Dict[str, float]:
        """Loss and correlation of the validation fold in float32, never under autocast: the original's
        val_step runs without it, and the score names the checkpoints and decides what --keep best keeps."""
        module = self.ema.ema if self.ema is not None else self.model
        module.eval()
        metric = CorrelationAccumulator()
        total_loss, total_samples = 0.0, 0
        for batch in self.val_loader:
            inputs, targets, weights = to_device(batch, self.device)
            predictions = module(inputs)
            loss = self.loss_fn(predictions, targets, weights)
            total_loss += float(loss) * inputs.shape[0]
            total_samples += inputs.shape[0]
            metric.update(predictions, targets, weights)
        per_mouse = metric.compute()
        result: Dict[str, float] = {"val_loss": total_loss / max(total_samples, 1),
                                    "val_corr": float(np.mean(list(per_mouse.values())))}
        for mouse, value in per_mouse.items():
            result[f"val_corr_mouse_{mouse}"] = value
        return result

    # ------------------------------------------------------------------ logs and checkpoints
    def _write_logs(self) -> None:
        keys: List[str] = []
        for row in self.history:
            keys += [k for k in row if k not in keys]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=keys)
        writer.writeheader()
        writer.writerows(self.history)
        atomic_write_text(self.fold_dir / "log.csv", buffer.getvalue())
        atomic_write_text(self.fold_dir / "log.json", json.dumps(self.history, indent=1) + "\n")

    def _save_checkpoint(self, stage_epoch: int, score: float) -> Optional[str]:
        keep = self.opts.keep
        if keep == "best" and score <= self.best_score:
            return None
        name = CHECKPOINT_FORMAT.format(epoch=stage_epoch, val_corr=score)
        atomic_save(self._checkpoint_payload(), self.fold_dir / name)
        if name not in self.saved_checkpoints:
            self.saved_checkpoints.append(name)
        if keep in ("last", "best"):
            while len(self.saved_checkpoints) > 1:
                old = self.saved_checkpoints.pop(0)
                (self.fold_dir / old).unlink(missing_ok=True)
        return name

    # ------------------------------------------------------------------ run
    def run(self) -> Dict[str, Any]:
        main = self.opts.dist_info.is_main
        state_path = self.fold_dir / STATE_FILE
        existing = state_path.is_file() or any(self.fold_dir.glob("model-*.pth"))
        if existing and not self.opts.resume:
            raise TrainingError(f"{self.fold_dir}: holds a previous run; pass --resume to continue it "
                                f"or use a new --out")
        self.opts.dist_info.barrier()
        if main:
            self.fold_dir.mkdir(parents=True, exist_ok=True)
        self._build()
        self.nonfinite_steps = 0
        start_epoch = 0
        if self.opts.resume and state_path.is_file():
            start_epoch = self._load_state(state_path)
            self.opts.log(f"fold {self.opts.fold}: resuming after epoch {start_epoch} from {state_path}")
        elif self.opts.resume and existing:
            raise TrainingError(f"{self.fold_dir}: checkpoints but no {STATE_FILE} to resume from")
        if start_epoch >= self.schedule.total_epochs:
            self.opts.log(f"fold {self.opts.fold}: already complete ({start_epoch} epochs)")
            return self.summary()
        for epoch in range(start_epoch, self.schedule.total_epochs):
            stage = self.schedule.stage_of(epoch)
            row: Dict[str, Any] = {"epoch": epoch + 1, "stage": stage.name,
                                   "stage_epoch": epoch - stage.first_epoch}
            row.update(self._train_epoch(epoch))
            if main:
                start = time.time()
                row.update(self.validate())
                row["val_seconds"] = time.time() - start
                if stage.name == "train":
                    saved = self._save_checkpoint(row["stage_epoch"], row["val_corr"])
                    row["checkpoint"] = saved or ""
                    self.best_score = max(self.best_score, row["val_corr"])
                self.history.append(row)
                self._write_logs()
                atomic_save(self._state(epoch + 1), state_path)
                mice = " ".join(f"{row[k]:.4f}" for k in row if k.startswith("val_corr_mouse_"))
                message = (f"fold {self.opts.fold} epoch {epoch + 1}/{self.schedule.total_epochs} "
                           f"{stage.name}: train_loss {row['train_loss']:.4f} val_loss {row['val_loss']:.4f} "
                           f"val_corr {row['val_corr']:.4f} (mice {mice}) lr {row['lr']:.3g} "
                           f"{row['train_samples_per_s']:.1f} samples/s")
                self.opts.log(message)
                with (self.fold_dir / "log.txt").open("a") as f:
                    f.write(time.strftime("%Y-%m-%d %H:%M:%S ") + message + "\n")
            else:
                self.history.append(row)
            self.opts.dist_info.barrier()
        return self.summary()

    def summary(self) -> Dict[str, Any]:
        scored = [row for row in self.history if "val_corr" in row]
        return {"fold": self.opts.fold, "epochs": len(self.history),
                "val_corr": scored[-1]["val_corr"] if scored else None,
                "best_val_corr": max((r["val_corr"] for r in scored), default=None),
                "checkpoints": list(self.saved_checkpoints)}


def fault_hook(epoch: int, iteration: int) -> None:
    """Fault injection for tests: DWISENEURO_TRAINER_KILL_AT="EPOCH:ITERATION" (1-based epoch, 0-based
    iteration) makes the process kill itself with SIGKILL there, like an out-of-memory kill would."""
    spec = os.environ.get("DWISENEURO_TRAINER_KILL_AT")
    if spec and spec == f"{epoch + 1}:{iteration}":
        import signal
        os.kill(os.getpid(), signal.SIGKILL)


def train_fold(config: Dict[str, Any], mice: Sequence[Mouse], out_dir: Path, opts: FoldOptions) -> Dict[str, Any]:
    check_config(config)
    if opts.keep not in KEEP_POLICIES:
        raise TrainingError(f"--keep must be one of {KEEP_POLICIES}")
    return FoldTrainer(config, mice, out_dir, opts).run()
