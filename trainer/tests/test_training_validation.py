"""Validation runs in float32 as the original's val_step does, also when training uses mixed precision.

Mixed precision is only switched on on CUDA; here it is switched on by hand on the CPU, where
torch.autocast(device_type="cpu") is bfloat16: the training step's context is the same code as on CUDA,
and a forward hook sees whether autocast is on when the model runs.
"""
import torch

from dwiseneuro_trainer import configs, data, folds
from dwiseneuro_trainer.training import DistInfo, FoldOptions, FoldTrainer, prepare_experiment
from training_support import dataset


def _autocast_on() -> bool:
    return torch.is_autocast_enabled() or torch.is_autocast_cpu_enabled()


def test_validation_never_runs_under_autocast(tmp_path_factory, tmp_path):
    data_dir = dataset(tmp_path_factory, "validation", mice=1, neurons=[7], trials=[24], frames=48, seed=7)
    mice = data.read_dataset(data_dir, log=lambda m: None)
    folds.assign_folds(mice)
    fold = max(range(7), key=lambda k: sum(t.fold == k for t in mice[0].trials))
    config = configs.load_config("demo")
    config["batch_size"] = 4
    config["num_dataloader_workers"] = 0
    resolved = prepare_experiment(config, mice, tmp_path, False, DistInfo(), "demo")
    trainer = FoldTrainer(resolved, mice, tmp_path, FoldOptions(fold=fold, device=torch.device("cpu"), progress=False,
                                                                log=lambda m: None))
    trainer._build()
    module = trainer.ema.ema if trainer.ema is not None else trainer.model
    seen = []
    module.register_forward_hook(lambda mod, inputs, output: seen.append((_autocast_on(), output[0].dtype)))

    assert not trainer.amp
    float32 = trainer.validate()
    trainer.amp = True  # what a CUDA run with argus_params.amp gets
    with trainer._autocast():  # the training step's context: the probe sees autocast and bfloat16 outputs
        module(torch.rand(2, 5, 16, 64, 64) * 255)
    assert seen[-1] == (True, torch.bfloat16)
    seen.clear()
    mixed = trainer.validate()
    print(f"validation with amp on: {mixed['val_corr']:.6f}, without: {float32['val_corr']:.6f}, "
          f"{len(seen)} forward calls, autocast on in {sum(on for on, _ in seen)}")
    assert seen and all(not on and dtype == torch.float32 for on, dtype in seen)
    assert mixed == float32  # the same float32 numbers: the score in checkpoint names does not depend on amp
