"""The built-in configs equal the original solution's configs/true_batch_001.py and
configs/distillation_001.py value for value (the table below is transcribed from them)."""
import pytest

from dwiseneuro_trainer import configs, constants

NEURONS = [7863, 7908, 8202, 7939, 8122, 7440, 7928, 8285, 7671, 7495]

# key path -> (true_batch_001, distillation_001)
ORIGINAL = {
    "image_size": ((64, 64), (64, 64)),
    "batch_size": (32, 32),
    "base_lr": (3e-4, 3e-4),
    "min_base_lr": (3e-6, 3e-6),
    "ema_decay": (0.999, 0.999),
    "train_epoch_size": (72000, 72000),
    "num_epochs": ([3, 18], [3, 18]),
    "stages": (["warmup", "train"], ["warmup", "train"]),
    "num_dataloader_workers": (8, 8),
    "init_weights": (True, True),
    "argus_params.nn_module.0": ("dwiseneuro", "dwiseneuro"),
    "argus_params.nn_module.1.readout_outputs": (NEURONS, NEURONS),
    "argus_params.nn_module.1.in_channels": (5, 5),
    "argus_params.nn_module.1.core_features": ((64, 64, 64, 64, 128, 128, 128, 256, 256),) * 2,
    "argus_params.nn_module.1.spatial_strides": ((2, 1, 1, 1, 2, 1, 1, 2, 1),) * 2,
    "argus_params.nn_module.1.spatial_kernel": (3, 3),
    "argus_params.nn_module.1.temporal_kernel": (5, 5),
    "argus_params.nn_module.1.expansion_ratio": (7, 6),
    "argus_params.nn_module.1.se_reduce_ratio": (32, 32),
    "argus_params.nn_module.1.cortex_features": ((1024, 2048, 4096),) * 2,
    "argus_params.nn_module.1.groups": (2, 2),
    "argus_params.nn_module.1.softplus_beta": (0.07, 0.07),
    "argus_params.nn_module.1.drop_rate": (0.4, 0.4),
    "argus_params.nn_module.1.drop_path_rate": (0.1, 0.1),
    "argus_params.loss": (("mice_poisson", {"log_input": False, "full": False, "eps": 1e-8}),) * 2,
    "argus_params.optimizer.0": ("AdamW", "AdamW"),
    "argus_params.optimizer.1.lr": (2.4e-3, 2.4e-3),
    "argus_params.optimizer.1.weight_decay": (0.05, 0.05),
    "argus_params.device": ("cuda:0", "cuda:0"),
    "argus_params.frame_stack": ({"size": 16, "step": 2, "position": "last"},) * 2,
    "argus_params.inputs_processor": (("stack_inputs", {"size": (64, 64), "pad_fill_value": 0.0}),) * 2,
    "argus_params.responses_processor": (("identity", {}),) * 2,
    "argus_params.amp": (True, True),
    "argus_params.iter_size": (1, 1),
    "cutmix": ({"alpha": 1.0, "prob": 0.5},) * 2,
    "distill": (None, {"experiment": "true_batch_001", "ratio": 0.36}),
}


def _get(config, path):
    value = config
    for part in path.split("."):
        if isinstance(value, (list, tuple)):
            value = value[int(part)]
        elif part in value:
            value = value[part]
        else:
            return None
    return value


def _same(a, b):
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=0)
    return a == b


@pytest.mark.parametrize("index,name", [(0, "true_batch_001"), (1, "distillation_001")])
def test_builtin_config_equals_the_original(index, name):
    config = configs.load_config(name)
    for path, values in ORIGINAL.items():
        assert _same(_get(config, path), values[index]), f"{name}: {path} = {_get(config, path)!r}, original {values[index]!r}"
    # nothing more at the top level than the original has
    expected_top = {p.split(".")[0] for p, v in ORIGINAL.items() if v[index] is not None}
    assert set(config) == expected_top
    assert set(config["argus_params"]) == {p.split(".")[1] for p in ORIGINAL if p.startswith("argus_params.")}
    assert set(config["argus_params"]["nn_module"][1]) == {
        p.split(".")[3] for p in ORIGINAL if p.startswith("argus_params.nn_module.1.")}


def test_sensorium_neuron_counts_match_the_constants():
    assert constants.SENSORIUM_NUM_NEURONS == NEURONS


def test_demo_configs_keep_the_recipe_and_differ_only_by_distill():
    demo, stage2 = configs.load_config("demo"), configs.load_config("demo_distillation")
    original = configs.load_config("true_batch_001")
    for key in ("stages", "cutmix", "init_weights"):
        assert demo[key] == original[key]
    for key in ("loss", "frame_stack", "inputs_processor", "responses_processor", "iter_size"):
        assert demo["argus_params"][key] == original["argus_params"][key]
    assert demo["argus_params"]["optimizer"][1]["lr"] == pytest.approx(demo["base_lr"] * demo["batch_size"] / 4)
    assert stage2["distill"] == {"experiment": "demo", "ratio": 0.36}
    stage2.pop("distill")
    assert stage2 == demo
