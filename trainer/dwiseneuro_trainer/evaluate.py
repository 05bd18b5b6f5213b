"""Out-of-fold evaluation with the serving sliding window, as the original's `predict.py -s folds`.

Each fold's best checkpoint predicts the trials of its own validation fold (every window ending at
frames 30..T-1, 'ones' blend); per neuron, the correlation of prediction and responses over the
scored frames of all those trials (50..298 of a 300-frame trial) is computed, NaN counting as 0, and
averaged per mouse. With several experiments (stage 1 and stage 2) the mean of their out-of-fold
predictions is scored too, as the ensemble of stages. On synthetic data the true rates give the noise
ceiling of exactly the evaluated trials and frames.
"""
import csv
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from . import checkpoints, distill
from .data import Mouse, Trial, load_npy
from .inputs import WindowPlan, stack_inputs
from .metrics import corr, neuron_correlations
from .model import DwiseNeuro, init_weights
from .synth import CEILING_FILE, TRUTH_DIR, scored_frames


class EvaluationError(ValueError):
    """Nothing to evaluate or models that do not fit the data."""


@torch.no_grad()
def predict_trial(model, inputs: torch.Tensor, mouse_index: int, neurons: int, plan: WindowPlan,
                  batch_size: int = 16, device: torch.device = torch.device("cpu")) -> np.ndarray:
    """(neurons, T) prediction of one (5, T, H, W) clip: the reference predictor's windows and 'ones'
    blend, computed in batches of windows on `device` (same numbers as one window per call)."""
    length = inputs.shape[1]
    responses = torch.zeros((neurons, length), dtype=torch.float32, device=device)
    counts = torch.zeros(length, dtype=torch.float32, device=device)
    dtype = next(iter(model.parameters())).dtype  # exported members may be float16/bfloat16
    inputs = inputs.to(device)
    ends = list(plan.ends(length))
    for start in range(0, len(ends), batch_size):
        chunk = ends[start:start + batch_size]
        index = torch.tensor([plan.indexes(end) for end in chunk], device=device)
        windows = inputs[:, index].permute(1, 0, 2, 3, 4)  # (windows, 5, 16, H, W)
        prediction = model.predict(windows.to(dtype), mouse_index).float()
        for row, end in enumerate(chunk):
            frames = index[row]
            responses[:, frames] += prediction[row]
            counts[frames] += 1.0
    responses /= counts.clamp(min=1.0)
    return responses.cpu().numpy()


def trial_inputs(trial: Trial, image_size: Sequence[int], pad_fill_value: float = 0.0) -> torch.Tensor:
    length = trial.length
    video = np.asarray(load_npy(trial.video_path)[..., :length], dtype=np.float32)
    behavior = np.asarray(load_npy(trial.behavior_path)[..., :length], dtype=np.float32)
    pupil = np.asarray(load_npy(trial.pupil_center_path)[..., :length], dtype=np.float32)
    return torch.from_numpy(stack_inputs(video, behavior, pupil, size=tuple(image_size),
                                         pad_fill_value=pad_fill_value))


def trial_targets(trial: Trial, data_dir: Path) -> Optional[np.ndarray]:
    """Responses of a trial: from the mouse folder when labelled, else the synthetic truth if any."""
    if trial.response_path is not None:
        return np.asarray(load_npy(trial.response_path)[..., :trial.length], dtype=np.float32)
    path = data_dir / TRUTH_DIR / trial.mouse / "responses" / f"{trial.trial_id}.npy"
    return np.asarray(load_npy(path), dtype=np.float32) if path.is_file() else None


def true_rates(trial: Trial, data_dir: Path) -> Optional[np.ndarray]:
    path = data_dir / TRUTH_DIR / trial.mouse / "rates" / f"{trial.trial_id}.npy"
    return np.asarray(load_npy(path), dtype=np.float32) if path.is_file() else None


class Scorer:
    """Collects scored frames of predictions, responses (and true rates) per mouse."""

    def __init__(self, mice: Sequence[Mouse], data_dir: Path):
        self.mice = list(mice)
        self.data_dir = data_dir
        self.predictions: Dict[str, List[np.ndarray]] = {m.id: [] for m in mice}
        self.targets: Dict[str, List[np.ndarray]] = {m.id: [] for m in mice}
        self.rates: Dict[str, List[np.ndarray]] = {m.id: [] for m in mice}
        self.trials: Dict[str, int] = {m.id: 0 for m in mice}

    def add(self, trial: Trial, prediction: np.ndarray, target: np.ndarray) -> None:
        frames = scored_frames(trial.length)
        self.predictions[trial.mouse].append(prediction[:, frames])
        self.targets[trial.mouse].append(target[:, frames])
        rate = true_rates(trial, self.data_dir)
        if rate is not None:
            self.rates[trial.mouse].append(rate[:, frames])
        self.trials[trial.mouse] += 1

    def result(self) -> Dict[str, Any]:
        mice: Dict[str, Any] = {}
        per_neuron: Dict[str, np.ndarray] = {}
        for mouse in self.mice:
            if not self.predictions[mouse.id]:
                continue
            prediction = np.concatenate(self.predictions[mouse.id], axis=1)
            target = np.concatenate(self.targets[mouse.id], axis=1)
            values = neuron_correlations(prediction, target)
            per_neuron[mouse.id] = values
            entry: Dict[str, Any] = {"neurons": mouse.num_neurons, "trials": self.trials[mouse.id],
                                     "frames": int(target.shape[1]), "correlation": float(values.mean())}
            if len(self.rates[mouse.id]) == len(self.predictions[mouse.id]):
                rate = np.concatenate(self.rates[mouse.id], axis=1)
                ceiling = float(neuron_correlations(rate, target).mean())
                entry["noise_ceiling"] = ceiling
                entry["fraction_of_ceiling"] = entry["correlation"] / ceiling if ceiling > 0 else None
                entry["correlation_to_true_rate"] = float(neuron_correlations(prediction, rate).mean())
            mice[mouse.id] = entry
        if not mice:
            raise EvaluationError("no trials were evaluated")
        summary = {"mean_correlation": float(np.mean([v["correlation"] for v in mice.values()])),
                   "mice": mice}
        if all("noise_ceiling" in v for v in mice.values()):
            summary["mean_noise_ceiling"] = float(np.mean([v["noise_ceiling"] for v in mice.values()]))
        summary["_per_neuron"] = per_neuron
        return summary


def _fold_dirs(experiment_dir: Path, folds: Optional[Sequence[int]]) -> List[int]:
    found = sorted(int(p.name.split("_", 1)[1]) for p in experiment_dir.glob("fold_*")
                   if p.is_dir() and p.name.split("_", 1)[1].isdigit() and any(p.glob("model-*.pth")))
    if folds is not None:
        missing = [k for k in folds if k not in found]
        if missing:
            raise EvaluationError(f"{experiment_dir}: no checkpoints for folds {missing}")
        found = [k for k in found if k in folds]
    if not found:
        raise EvaluationError(f"{experiment_dir}: no fold_<k>/model-*.pth checkpoints")
    return found


def _model_for(path: Path, mice: Sequence[Mouse], device: torch.device, untrained: bool = False):
    checkpoint = checkpoints.read_checkpoint(path)
    outputs = [int(n) for n in checkpoint["params"]["nn_module"][1]["readout_outputs"]]
    if outputs != [m.num_neurons for m in mice]:
        raise EvaluationError(f"{path}: readouts {outputs} do not match the data's neuron counts "
                              f"{[m.num_neurons for m in mice]}")
    recorded = checkpoints.mice_of(checkpoint)
    if recorded is not None and [m["id"] for m in recorded] != [m.id for m in mice]:
        raise EvaluationError(f"{path}: trained on mice {[m['id'] for m in recorded]}, "
                              f"the data has {[m.id for m in mice]}")
    if untrained:
        torch.manual_seed(0)
        model = DwiseNeuro(**checkpoint["params"]["nn_module"][1])
        init_weights(model)
    else:
        model = checkpoints.build_model(checkpoint, path)
    stack = checkpoints.frame_stack(checkpoint)
    plan = WindowPlan(stack["size"], stack["step"], stack.get("position", "last"))
    return model.to(device).eval(), plan, checkpoints.image_size(checkpoint)


def out_of_fold(experiment_dir: Path, mice: Sequence[Mouse], device: torch.device,
                folds: Optional[Sequence[int]] = None, batch_size: int = 16, untrained: bool = False,
                log: Callable[[str], None] = print):
    """{(mouse, trial): prediction} of every validation trial of every fold, and the fold's files."""
    predictions: Dict[tuple, np.ndarray] = {}
    used: Dict[int, Dict[str, Any]] = {}
    for fold in _fold_dirs(experiment_dir, folds):
        path = distill.best_in_fold(experiment_dir / f"fold_{fold}")
        model, plan, size = _model_for(path, mice, device, untrained=untrained)
        used[fold] = {"checkpoint": str(path)}
        count = 0
        for index, mouse in enumerate(mice):
            for trial in mouse.trials:
                if trial.fold != fold or trial.length < plan.min_length:
                    continue
                predictions[(mouse.id, trial.trial_id)] = predict_trial(
                    model, trial_inputs(trial, size), index, mouse.num_neurons, plan, batch_size, device)
                count += 1
        used[fold]["trials"] = count
        log(f"{experiment_dir.name} fold {fold}: {'untrained model' if untrained else path.name} "
            f"predicted {count} validation trials")
    return predictions, used


def score(predictions: Dict[tuple, np.ndarray], mice: Sequence[Mouse], data_dir: Path) -> Dict[str, Any]:
    scorer = Scorer(mice, data_dir)
    for mouse in mice:
        for trial in mouse.trials:
            key = (mouse.id, trial.trial_id)
            if key in predictions:
                target = trial_targets(trial, data_dir)
                if target is None:
                    raise EvaluationError(f"{trial.behavior_path}: trial {trial.trial_id} has no responses")
                scorer.add(trial, predictions[key], target)
    return scorer.result()


def read_history(experiment_dir: Path) -> Dict[int, List[Dict[str, Any]]]:
    result = {}
    for fold_dir in sorted(experiment_dir.glob("fold_*")):
        path = fold_dir / "log.csv"
        if path.is_file() and fold_dir.name.split("_", 1)[1].isdigit():
            with path.open() as f:
                result[int(fold_dir.name.split("_", 1)[1])] = list(csv.DictReader(f))
    return result


def _public(result: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in result.items() if not k.startswith("_")}


def evaluate_experiments(experiment_dirs: Sequence[Path], mice: Sequence[Mouse], data_dir: Path,
                         out_dir: Path, device: torch.device, folds: Optional[Sequence[int]] = None,
                         batch_size: int = 16, untrained_baseline: bool = False,
                         log: Callable[[str], None] = print) -> Dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    report: Dict[str, Any] = {"kind": "out-of-fold", "data": str(data_dir),
                              "scored_frames": "50..min(T,300)-2 of each trial (whole trial if shorter)",
                              "experiments": {}}
    all_predictions = []
    per_neuron: Dict[str, Dict[str, np.ndarray]] = {}
    curves = {}
    for experiment_dir in experiment_dirs:
        predictions, used = out_of_fold(experiment_dir, mice, device, folds, batch_size, log=log)
        result = score(predictions, mice, data_dir)
        per_neuron[experiment_dir.name] = result["_per_neuron"]
        entry = _public(result)
        entry["folds"] = {str(k): v for k, v in used.items()}
        report["experiments"][experiment_dir.name] = entry
        all_predictions.append(predictions)
        curves[experiment_dir.name] = read_history(experiment_dir)
        log(f"{experiment_dir.name}: out-of-fold correlation {entry['mean_correlation']:.4f}"
            + (f" (noise ceiling {entry['mean_noise_ceiling']:.4f})" if "mean_noise_ceiling" in entry else ""))
    if len(all_predictions) > 1:
        common = set.intersection(*(set(p) for p in all_predictions))
        blended = {key: np.mean([p[key] for p in all_predictions], axis=0) for key in common}
        result = score(blended, mice, data_dir)
        per_neuron["ensemble"] = result["_per_neuron"]
        report["ensemble"] = _public(result)
        log(f"ensemble of {len(all_predictions)} experiments: {report['ensemble']['mean_correlation']:.4f}")
    if untrained_baseline:
        predictions, _ = out_of_fold(experiment_dirs[0], mice, device, folds, batch_size, untrained=True, log=log)
        report["untrained"] = _public(score(predictions, mice, data_dir))
        log(f"untrained model: {report['untrained']['mean_correlation']:.4f}")
    ceiling_file = data_dir / CEILING_FILE
    if ceiling_file.is_file():
        report["dataset_noise_ceiling"] = json.loads(ceiling_file.read_text())
    finish(report, per_neuron, curves, out_dir)
    return report


def evaluate_ensemble(models_dir: Path, mice: Sequence[Mouse], data_dir: Path, out_dir: Path,
                      tiers: Sequence[str], batch_size: int = 16,
                      log: Callable[[str], None] = print) -> Dict[str, Any]:
    """An exported ensemble (the mean of its members) on the trials of `tiers`: held-out test tiers
    of synthetic data (whose responses live in the truth folder), or any labelled tier."""
    from .ensemble import load_ensemble
    from .predict import plan_of
    ensemble = load_ensemble(models_dir)
    ids = [m["id"] for m in ensemble.manifest["mice"]]
    geometry = ensemble.manifest["input"]
    plan = plan_of(ensemble)
    scorer = Scorer(mice, data_dir)
    for mouse in mice:
        if mouse.id not in ids:
            raise EvaluationError(f"{models_dir}: the ensemble has no mouse '{mouse.id}' (it has {ids})")
        index = ids.index(mouse.id)
        count = 0
        for trial in mouse.trials:
            if trial.tier not in tiers or trial.length < plan.min_length:
                continue
            target = trial_targets(trial, data_dir)
            if target is None:
                continue
            inputs = trial_inputs(trial, (geometry["width"], geometry["height"]), geometry.get("pad_fill_value", 0.0))
            outputs = [predict_trial(member, inputs, index, mouse.num_neurons, plan, batch_size)
                       for member in ensemble.members]
            scorer.add(trial, np.mean(outputs, axis=0), target)
            count += 1
        log(f"{mouse.id}: {count} trials of tiers {', '.join(tiers)}")
    result = scorer.result()
    report = {"kind": "ensemble", "models": str(models_dir), "data": str(data_dir), "tiers": list(tiers),
              "members": len(ensemble.members),
              "scored_frames": "50..min(T,300)-2 of each trial (whole trial if shorter)",
              "ensemble": _public(result)}
    ceiling_file = data_dir / CEILING_FILE
    if ceiling_file.is_file():
        report["dataset_noise_ceiling"] = json.loads(ceiling_file.read_text())
    finish(report, {"ensemble": result["_per_neuron"]}, {}, out_dir)
    return report


def finish(report: Dict[str, Any], per_neuron: Dict[str, Dict[str, np.ndarray]],
           curves: Dict[str, Dict[int, List[Dict[str, Any]]]], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    report["plots"] = plots(report, per_neuron, curves, out_dir)
    (out_dir / "evaluation.json").write_text(json.dumps(report, indent=1) + "\n")
    np.savez(str(out_dir / "neuron_correlations.npz"),
             **{f"{name}/{mouse}": values for name, mice in per_neuron.items() for mouse, values in mice.items()})


def plots(report: Dict[str, Any], per_neuron: Dict[str, Dict[str, np.ndarray]],
          curves: Dict[str, Dict[int, List[Dict[str, Any]]]], out_dir: Path) -> List[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    results = dict(report.get("experiments", {}))
    if "ensemble" in report:
        results["ensemble"] = report["ensemble"]
    mice = sorted({mouse for values in per_neuron.values() for mouse in values})
    # correlation histograms per mouse
    fig, axes = plt.subplots(1, len(mice), figsize=(4.5 * len(mice), 3.4), squeeze=False)
    for ax, mouse in zip(axes[0], mice):
        for name, values in per_neuron.items():
            if mouse in values:
                ax.hist(values[mouse], bins=30, alpha=0.5, label=f"{name} ({values[mouse].mean():.3f})")
        ceiling = next((r["mice"][mouse].get("noise_ceiling") for r in results.values()
                        if mouse in r.get("mice", {})), None)
        if ceiling is not None:
            ax.axvline(ceiling, color="k", linestyle="--", label=f"noise ceiling ({ceiling:.3f})")
        ax.set_title(mouse, fontsize=9)
        ax.set_xlabel("single-trial correlation per neuron")
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("neurons")
    fig.tight_layout()
    fig.savefig(out_dir / "correlation_hist.png", dpi=90)
    plt.close(fig)
    written.append("correlation_hist.png")
    # per mouse: correlation vs noise ceiling
    fig, ax = plt.subplots(figsize=(1.8 + 1.6 * len(mice), 3.4))
    width = 0.8 / (len(results) + 1)
    for i, (name, result) in enumerate(results.items()):
        ax.bar(np.arange(len(mice)) + i * width, [result["mice"].get(m, {}).get("correlation", 0.0) for m in mice],
               width, label=name)
    ceilings = [next((r["mice"][m].get("noise_ceiling") for r in results.values() if m in r["mice"]), None)
                for m in mice]
    if all(c is not None for c in ceilings):
        ax.bar(np.arange(len(mice)) + len(results) * width, ceilings, width, color="lightgray",
               edgecolor="k", label="noise ceiling")
    ax.set_xticks(np.arange(len(mice)) + width * len(results) / 2)
    ax.set_xticklabels(mice, fontsize=8)
    ax.set_ylabel("mean single-trial correlation")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "correlation_vs_ceiling.png", dpi=90)
    plt.close(fig)
    written.append("correlation_vs_ceiling.png")
    # learning curves
    if any(curves.values()):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
        for name, history in curves.items():
            for fold, rows in history.items():
                epochs = [int(r["epoch"]) for r in rows]
                axes[0].plot(epochs, [float(r["train_loss"]) for r in rows], label=f"{name} fold {fold}")
                axes[1].plot(epochs, [float(r["val_corr"]) for r in rows], label=f"{name} fold {fold}")
        axes[0].set_title("training loss")
        axes[1].set_title("validation correlation (EMA weights)")
        for ax in axes:
            ax.set_xlabel("epoch")
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out_dir / "learning_curves.png", dpi=90)
        plt.close(fig)
        written.append("learning_curves.png")
    return written


__all__ = ["corr", "evaluate_experiments", "evaluate_ensemble", "predict_trial"]
