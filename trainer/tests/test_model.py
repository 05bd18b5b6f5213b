"""DwiseNeuro: checkpoint compatibility with the original, parameter counts, TorchScript."""
import re
from pathlib import Path

import pytest
import torch

from dwiseneuro_trainer import configs
from dwiseneuro_trainer.model import DwiseNeuro, count_parameters, init_weights

# The original model's state_dict listing (names, shapes, dtypes), a fixture kept with the tests.
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "original-state-dict.txt"
SMALL = dict(readout_outputs=(11, 24, 7), core_features=(8, 16, 16), spatial_strides=(2, 2, 1),
             expansion_ratio=2, se_reduce_ratio=4, cortex_features=(48, 96))


def reference_entries():
    entries = {}
    for line in REFERENCE.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = re.match(r"^(\S+) \(([\d, ]*)\) (\w+)$", line)
        assert match, line
        shape = tuple(int(d) for d in match.group(2).replace(" ", "").split(",") if d)
        entries[match.group(1)] = (shape, match.group(3))
    return entries


@pytest.fixture(scope="module")
def full_model():
    with torch.no_grad():
        return DwiseNeuro(**configs.model_kwargs(configs.distillation_001()))


def test_state_dict_matches_the_original_name_for_name_and_shape_for_shape(full_model):
    expected = reference_entries()
    actual = {name: (tuple(t.shape), str(t.dtype).replace("torch.", "")) for name, t in full_model.state_dict().items()}
    assert len(expected) == 365
    assert sorted(actual) == sorted(expected)
    mismatched = {k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]}
    assert not mismatched


def test_parameter_counts_of_both_stages(full_model):
    assert count_parameters(full_model) == 170_058_402
    with torch.no_grad():
        stage1 = DwiseNeuro(**configs.model_kwargs(configs.true_batch_001()))
    assert count_parameters(stage1) == 170_656_070


def test_scripted_module_equals_eager_module():
    torch.manual_seed(1)
    model = DwiseNeuro(**SMALL)
    init_weights(model)
    model.train()
    with torch.no_grad():
        model(torch.rand(4, 5, 16, 64, 64) * 255)  # non-trivial BatchNorm statistics
    model.eval()
    scripted = torch.jit.script(model)
    x = torch.rand(3, 5, 16, 64, 64) * 255
    with torch.no_grad():
        eager = model(x)
        for index, expected in enumerate(eager):
            assert expected.shape == (3, SMALL["readout_outputs"][index], 16)
            torch.testing.assert_close(scripted.predict(x, index), expected, rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(scripted.readout(scripted.features(x), index), expected, rtol=1e-5, atol=1e-5)
        for actual, expected in zip(scripted(x), eager):
            torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)
        with pytest.raises(Exception):
            scripted.readout(scripted.features(x), 3)


def test_readouts_are_padded_to_a_multiple_of_the_groups():
    model = DwiseNeuro(**SMALL)
    assert model.readouts[0].layer[1].out_channels == 12  # 11 neurons, groups 2
    assert model.readouts[2].layer[1].out_channels == 8   # 7 neurons
    with torch.no_grad():
        assert model.eval().predict(torch.rand(1, 5, 16, 64, 64), 2).shape == (1, 7, 16)


def test_summary_prints_the_parameter_count(capsys):
    from dwiseneuro_trainer.cli import main
    assert main(["summary", "--config", "true_batch_001", "--json"]) == 0
    assert '"parameters": 170656070' in capsys.readouterr().out
