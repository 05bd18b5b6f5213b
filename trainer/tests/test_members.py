"""Exported members: float32 in and out whatever the compute dtype, input_gradient against eager
autograd, the inference form against the eager model and the original predictor's vectors, and
`trainer convert` of legacy and new ensemble folders."""
import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from dwiseneuro_trainer import constants, ensemble, members
from dwiseneuro_trainer.cli import main
from dwiseneuro_trainer.inference_form import InferenceMember, plain_state_dict_of
from dwiseneuro_trainer.model import DwiseNeuro
from dwiseneuro_trainer.predict import predict_clip

from test_export import KWARGS, write_original_checkpoint

VECTORS = Path(__file__).parent / "fixtures" / "original-vectors"
EXACT = 1e-5  # relative: max |a - b| / max |b|


def relative(actual, expected) -> float:
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A small DwiseNeuro with calibrated BatchNorm statistics and random affine values."""
    path = tmp_path_factory.mktemp("ckpt") / "model.pth"
    net = write_original_checkpoint(path, seed=7)
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    return net.eval()


def windows(batch=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand((batch, 5, 16, 64, 64), generator=generator) * 255


def eager_gradient(net, x, mouse, weights):
    x = x.clone().requires_grad_(True)
    objective = (net.readout(net.features(x), mouse) * weights).sum(dim=(1, 2))
    (grad,) = torch.autograd.grad(objective.sum(), x)
    return objective.detach(), grad


@pytest.mark.parametrize("form", members.FORMS)
def test_float32_members_equal_the_eager_model(model, form, tmp_path):
    member = members.script_member(model, form)
    torch.jit.save(member, str(tmp_path / "m.pt"))
    member = torch.jit.load(str(tmp_path / "m.pt"))
    x = windows()
    with torch.no_grad():
        features = member.features(x)
        assert features.dtype == torch.float32
        errors = [relative(features, model.features(x))]
        for mouse in range(2):
            errors.append(relative(member.readout(features, mouse), model.readout(model.features(x), mouse)))
        errors.append(relative(member(x)[1], model(x)[1]))
    print(f"{form}: features, readouts, forward relative errors {['%.1e' % e for e in errors]}")
    assert max(errors) < EXACT


@pytest.mark.parametrize("form", members.FORMS)
def test_input_gradient_equals_eager_autograd(model, form, tmp_path):
    member = members.script_member(model, form)
    torch.jit.save(member, str(tmp_path / "m.pt"))
    member = torch.jit.load(str(tmp_path / "m.pt"))
    x = windows(batch=2, seed=3)
    weights = torch.rand((2, KWARGS["readout_outputs"][1], 16), generator=torch.Generator().manual_seed(4))
    objective, grad = member.input_gradient(x, 1, weights)
    expected_objective, expected_grad = eager_gradient(model, x, 1, weights)
    assert objective.shape == (2,) and grad.shape == x.shape and grad.dtype == torch.float32
    print(f"{form}: objective {relative(objective, expected_objective):.1e}, "
          f"gradient {relative(grad, expected_grad):.1e} relative to eager autograd")
    assert relative(objective, expected_objective) < EXACT and relative(grad, expected_grad) < EXACT
    # The objective is the weighted sum of the readout that `predict` returns, row by row.
    with torch.no_grad():
        assert relative(objective, (member.predict(x, 1) * weights).sum(dim=(1, 2))) < EXACT
    # Rows are independent: the gradient of row 0 alone is row 0 of the batch's gradient.
    _, alone = member.input_gradient(x[:1], 1, weights[:1])
    assert relative(alone, grad[:1]) < EXACT
    # Under a no-grad guard (as DJL's IValueUtils.runMethod calls it) too, and grad mode is restored.
    with torch.no_grad():
        _, guarded = member.input_gradient(x, 1, weights)
        assert not torch.is_grad_enabled()
    assert relative(guarded, grad) < EXACT
    with pytest.raises(torch.jit.Error, match="weights must be shaped like the readout"):
        member.input_gradient(x, 0, weights)


@pytest.mark.parametrize("form", members.FORMS)
def test_bfloat16_members_take_and_give_float32(model, form, tmp_path):
    member = members.script_member(model, form).to(torch.bfloat16)
    torch.jit.save(member, str(tmp_path / "m.pt"))
    member = torch.jit.load(str(tmp_path / "m.pt"))
    x = windows(batch=2)
    with torch.no_grad():
        features = member.features(x)
        output = member.readout(features, 1)
    assert features.dtype == output.dtype == torch.float32
    objective, grad = member.input_gradient(x, 1, torch.ones_like(output))
    assert objective.dtype == grad.dtype == torch.float32
    error = relative(output, model.readout(model.features(x), 1).detach())
    print(f"{form} bfloat16: readout relative error {error:.2e} against float32")
    assert 1e-5 < error < 0.1  # it computes in bfloat16 (not float32), and stays close


@pytest.mark.parametrize("form", members.FORMS)
def test_original_vectors(form, tmp_path):
    """Both forms of the original solution's two checkpoints give the original predictor's outputs."""
    out = tmp_path / "models"
    assert main(["import-original", str(VECTORS / "experiment"), "--out", str(out), "--form", form]) == 0
    loaded = ensemble.load_ensemble(out)
    assert {m["form"] for m in loaded.manifest["members"]} == {form}
    video, behavior, pupil = (np.load(VECTORS / f"trial_{name}_nanpad.npy")
                              for name in ("video", "behavior", "pupil_center"))
    for mouse in range(3):
        outputs = []
        actual = predict_clip(loaded, f"mouse{mouse}", video, behavior, pupil, member_outputs=outputs)
        errors = [relative(actual, np.load(VECTORS / f"expected_ensemble_mouse{mouse}.npy"))]
        errors += [relative(o, np.load(VECTORS / f"expected_fold{k}_mouse{mouse}.npy")) for k, o in enumerate(outputs)]
        print(f"{form} mouse{mouse}: ensemble, fold 0, fold 1 relative errors {['%.1e' % e for e in errors]}")
        assert max(errors) < EXACT


@pytest.mark.parametrize("form", members.FORMS)
def test_verify_passes_a_true_member_and_refuses_one_a_weight_off(model, form):
    """The export check tolerates float32 rounding (a few times the eager model's own distance from
    float64), not a wrong member: one stem weight off by 1% must be refused."""
    assert members.verify(model, members.script_member(model, form), (64, 64), "true") <= EXACT
    wrong = copy.deepcopy(model)
    with torch.no_grad():
        wrong.core.stem[0].weight[0].mul_(1.01)
    with pytest.raises(RuntimeError, match="differs from the eager model"):
        members.verify(model, members.script_member(wrong, form), (64, 64), "wrong")


def test_inference_form_unfolds_to_equal_dwiseneuro_weights(model):
    member = members.script_member(model, "inference")
    rebuilt = DwiseNeuro(**KWARGS)
    rebuilt.load_state_dict(plain_state_dict_of(member), strict=True)
    x = windows(batch=2)
    with torch.no_grad():
        assert relative(rebuilt.eval()(x)[0], model(x)[0]) < EXACT


def test_inference_form_folds_batchnorm_and_keeps_no_training_layers(model):
    names = list(InferenceMember(model).state_dict())
    core = [n for n in names if not n.startswith(("cortex.", "readouts."))]
    assert not [n for n in core if "running_mean" in n or ".bn." in n], core


def test_manifest_records_form_methods_io_dtype_and_display(tmp_path):
    root = tmp_path / "true_batch_001"
    write_original_checkpoint(root / "fold_0" / "model-017-0.250000.pth", seed=0)
    manifest = ensemble.write_ensemble([root], tmp_path / "m", log=lambda *_: None, dtype="bfloat16")
    member = manifest["members"][0]
    assert (member["dtype"], member["io_dtype"], member["form"]) == ("bfloat16", "float32", "inference")
    assert member["methods"] == ["features", "readout", "input_gradient"]
    assert manifest["display"] == constants.SENSORIUM_DISPLAY == {
        "screen_width_cm": 56.5, "screen_height_cm": 31.8, "distance_cm": 15.0}
    assert main(["export", str(root), "--out", str(tmp_path / "p"), "--form", "plain",
                 "--display", "40,30,20"]) == 0
    written = json.loads((tmp_path / "p" / "manifest.json").read_text())
    assert written["members"][0]["form"] == "plain" and written["members"][0]["dtype"] == "float32"
    assert written["display"] == {"screen_width_cm": 40.0, "screen_height_cm": 30.0, "distance_cm": 20.0}
    with pytest.raises(ensemble.EnsembleError, match="three positive numbers"):
        ensemble.parse_display("40,30")


def write_legacy_ensemble(folder: Path, dtype: str = "float32", seed: int = 0) -> DwiseNeuro:
    """An ensemble folder as `trainer export` wrote it before io_dtype: the scripted DwiseNeuro itself,
    cast to `dtype` (so it takes that dtype), no form, methods or display; plus a sample file."""
    torch.manual_seed(seed)
    net = DwiseNeuro(**KWARGS).eval()
    folder.mkdir(parents=True)
    scripted = torch.jit.script(net).to(ensemble.DTYPES[dtype])
    torch.jit.save(scripted, str(folder / "old-fold_0.pt"))
    manifest = {
        "format": "dwiseneuro-ensemble", "version": 1, "name": "old", "architecture": "dwiseneuro",
        "created": "2026-11-01T00:00:00+00:00", "torch_version": "1.13.0a0",
        "input": {"channels": 5, "height": 64, "width": 64, "video_height": 36, "video_width": 64,
                  "pad_fill_value": 0.0, "fps": 30},
        "frame_stack": {"size": 16, "step": 2, "position": "last"},
        "mice": [{"id": "a", "index": 0, "neurons": 5, "behavior_mean": [1.0, 2.0]},
                 {"id": "b", "index": 1, "neurons": 9}],
        "members": [{"file": "old-fold_0.pt", "stage": "old", "fold": 0, "source": "model-1-0.5.pth",
                     "score": 0.5, "parameters": 1, "nn_module": ensemble._jsonable(KWARGS), "dtype": dtype,
                     "bytes": (folder / "old-fold_0.pt").stat().st_size,
                     "sha256": ensemble.sha256_of(folder / "old-fold_0.pt")}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "sample").mkdir()
    np.save(folder / "sample" / "video.npy", np.zeros((36, 64, 40), np.uint8))
    (folder / "MODEL_CARD.md").write_text("card\n")
    return net


def test_convert_a_legacy_ensemble(tmp_path):
    net = write_legacy_ensemble(tmp_path / "old")
    out = tmp_path / "new"
    assert main(["convert", str(tmp_path / "old"), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    old = json.loads((tmp_path / "old" / "manifest.json").read_text())
    member = manifest["members"][0]
    assert member["form"] == "inference" and member["io_dtype"] == "float32"
    assert member["methods"] == ["features", "readout", "input_gradient"]
    assert member["bytes"] == (out / "old-fold_0.pt").stat().st_size
    assert member["sha256"] == ensemble.sha256_of(out / "old-fold_0.pt")
    assert {k: member[k] for k in ("file", "stage", "fold", "source", "score", "nn_module")} == \
           {k: old["members"][0][k] for k in ("file", "stage", "fold", "source", "score", "nn_module")}
    assert manifest["mice"] == old["mice"] and manifest["display"] == constants.SENSORIUM_DISPLAY
    assert (out / "MODEL_CARD.md").read_text() == "card\n" and (out / "sample" / "video.npy").is_file()
    rng = np.random.default_rng(0)
    clip = (rng.uniform(0, 255, (36, 64, 40)).astype(np.float32),
            rng.uniform(0, 40, (2, 40)).astype(np.float32), rng.uniform(90, 180, (2, 40)).astype(np.float32))
    before = predict_clip(ensemble.load_ensemble(tmp_path / "old"), "b", *clip)
    after = predict_clip(ensemble.load_ensemble(out), "b", *clip)
    assert relative(after, before) < EXACT
    # And back: the inference form converts to the plain one with the same numbers.
    assert main(["convert", str(out), "--out", str(tmp_path / "plain"), "--form", "plain",
                 "--display", "50,30,10"]) == 0
    plain = ensemble.load_ensemble(tmp_path / "plain")
    assert plain.manifest["members"][0]["form"] == "plain"
    assert plain.manifest["display"]["distance_cm"] == 10.0
    assert relative(predict_clip(plain, "b", *clip), before) < EXACT
    with torch.no_grad():
        assert relative(plain.members[0].features(windows(2)), net.features(windows(2))) < EXACT


def test_convert_a_legacy_bfloat16_ensemble_to_float32_io(tmp_path):
    write_legacy_ensemble(tmp_path / "old", dtype="bfloat16")
    legacy = ensemble.load_ensemble(tmp_path / "old")
    assert legacy.input_dtype(0) == torch.bfloat16
    manifest = ensemble.convert_ensemble(tmp_path / "old", tmp_path / "new", dtype="bfloat16",
                                         log=lambda *_: None)
    assert manifest["members"][0]["dtype"] == "bfloat16" and manifest["members"][0]["io_dtype"] == "float32"
    converted = ensemble.load_ensemble(tmp_path / "new")
    assert converted.input_dtype(0) == torch.float32
    x = windows(2)
    with torch.no_grad():
        old = legacy.members[0].readout(legacy.members[0].features(x.bfloat16()), 1).float()
        new = converted.members[0].readout(converted.members[0].features(x), 1)
    assert new.dtype == torch.float32
    print(f"legacy bfloat16 against the converted bfloat16 member: {relative(new, old):.1e}")
    assert relative(new, old) < 0.05  # the same rounded weights; the two forms round differently


def test_convert_refusals_name_the_problem(tmp_path, capsys):
    write_legacy_ensemble(tmp_path / "old")
    assert main(["convert", str(tmp_path / "old"), "--out", str(tmp_path / "old")]) == 2
    assert "give --out another path" in capsys.readouterr().err
    member = tmp_path / "old" / "old-fold_0.pt"
    member.write_bytes(member.read_bytes()[:-10])
    assert main(["convert", str(tmp_path / "old"), "--out", str(tmp_path / "new")]) == 2
    assert "old-fold_0.pt: sha256 differs" in capsys.readouterr().err
    shutil.rmtree(tmp_path / "old")
    write_legacy_ensemble(tmp_path / "old")
    manifest = json.loads((tmp_path / "old" / "manifest.json").read_text())
    manifest["members"][0]["nn_module"]["readout_outputs"] = [5, 12]
    (tmp_path / "old" / "manifest.json").write_text(json.dumps(manifest))
    assert main(["convert", str(tmp_path / "old"), "--out", str(tmp_path / "new")]) == 2
    assert "old-fold_0.pt: weights do not match the manifest's nn_module" in capsys.readouterr().err
