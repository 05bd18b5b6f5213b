"""Format reader, validation messages, pHash and folds on synthetic data with the real quirks."""
import shutil

import numpy as np
import pytest
import scipy.fftpack
from PIL import Image

from dwiseneuro_trainer import constants, data, folds, phash, synth
from training_support import dataset, run_trainer


@pytest.fixture(scope="module")
def quirky(tmp_path_factory):
    """float64 arrays, an all-NaN 'none' trial, per-mouse padded lengths, bonus trials of other lengths."""
    return dataset(tmp_path_factory, "quirky", mice=2, neurons=[23, 17], trials=[21, 24], frames=64,
                   dtype="float64", none_trials=1, seed=3)


@pytest.fixture()
def small(tmp_path):
    """A one-mouse dataset to break in a test."""
    synth.generate(tmp_path / "data", mice=1, neurons=[9], trials=[8], frames=40, seed=5, log=lambda m: None)
    return tmp_path / "data"


def test_reader_handles_the_real_quirks(quirky):
    mice = data.read_dataset(quirky, log=lambda m: None)
    assert [m.id for m in mice] == ["mouse0", "mouse1"]
    padded = set()
    for mouse in mice:
        tiers_file = np.load(mouse.folder / "meta" / "trials" / "tiers.npy")
        assert tiers_file.dtype == np.dtype("<U16")
        assert set(tiers_file) == set(synth.TEST_TIERS) | {"train", "oracle", "none"}
        unit_ids = np.load(mouse.folder / "meta" / "neurons" / "unit_ids.npy")
        assert unit_ids.max() > unit_ids.size  # not contiguous
        assert mouse.num_neurons == unit_ids.size
        assert np.load(mouse.folder / "data" / "videos" / "0.npy").dtype == np.float64
        assert mouse.statistics.get("responses", "std").shape == (mouse.num_neurons,)
        assert mouse.statistics.get("behavior", "mean").shape == (2,)
        padded.add(mouse.padded_length)
        read_ids = {t.trial_id for t in mouse.trials}
        assert len(read_ids) == len(tiers_file) - 1  # the 'none' trial is skipped
        for trial in mouse.trials:
            assert tiers_file[trial.trial_id] == trial.tier != "none"
            rate = np.load(quirky / synth.TRUTH_DIR / mouse.id / "rates" / f"{trial.trial_id}.npy")
            assert trial.length == rate.shape[1] < mouse.padded_length  # first NaN = real length
            assert trial.labelled == (trial.tier in ("train", "oracle"))
            assert (trial.response_path is not None) == trial.labelled
            assert (trial.video_hash is not None) == trial.labelled
        lengths = {t.length for t in mouse.trials}
        assert len(lengths) > 1  # bonus trials have other lengths
        meta = mouse.metadata()
        assert meta["unit_ids"] == unit_ids.tolist()
        assert len(meta["response_std"]) == mouse.num_neurons and len(meta["behavior_mean"]) == 2
    assert len(padded) == 2  # per-mouse padded length


def test_real_mouse_order_is_the_originals(tmp_path):
    for mouse in reversed(constants.SENSORIUM_MICE):
        (tmp_path / mouse / "meta" / "trials").mkdir(parents=True)
        (tmp_path / mouse / "meta" / "trials" / "tiers.npy").touch()
    assert data.find_mice(tmp_path) == constants.SENSORIUM_MICE


def _reference_phash(frame):
    """pHash with an explicit DCT-II matrix (no scipy), to check the fast implementation."""
    pixels = np.asarray(Image.fromarray(frame.astype(np.uint8), "L").resize((32, 32), phash._LANCZOS),
                        dtype=np.float64)
    n = np.arange(32)
    basis = 2 * np.cos(np.pi * np.outer(n, 2 * n + 1) / 64)  # unnormalised DCT-II, as scipy's default
    low = (basis @ pixels @ basis.T)[:8, :8]
    bits = (low > np.median(low)).ravel()
    return int("".join("1" if b else "0" for b in bits), 2)


def test_frame_phash_is_imagehash_phash():
    rng = np.random.default_rng(0)
    assert phash.frame_phash(np.full((36, 64), 77.0)) == 1 << 63  # only the DC term is above the median
    for _ in range(5):
        frame = synth.natural_video(rng, 3)[..., 1]
        assert phash.frame_phash(frame) == _reference_phash(frame)
    assert np.allclose(scipy.fftpack.dct(np.eye(4), axis=0)[0], 2.0)


def test_video_phash_takes_five_deterministic_frames_and_ignores_padding():
    assert phash.hash_frame_indexes(300) == [30, 90, 150, 210, 270]
    assert phash.hash_frame_indexes(241) == [24, 72, 120, 168, 216]
    rng = np.random.default_rng(1)
    video = synth.natural_video(rng, 300)
    expected = 0
    for index in (30, 90, 150, 210, 270):
        expected ^= phash.frame_phash(video[..., index])
    padded = np.concatenate([video, np.full((36, 64, 24), np.nan, dtype=np.float32)], axis=-1)
    assert phash.video_phash(video) == phash.video_phash(padded) == expected
    assert phash.video_phash(video) == phash.video_phash(video.copy())  # stable
    other = synth.natural_video(rng, 300)
    assert phash.video_phash(other) != expected


def test_folds_group_the_same_video_across_mice_and_tiers(quirky):
    mice = data.read_dataset(quirky, log=lambda m: None)
    folds.assign_folds(mice)
    by_video = {}
    for mouse in mice:
        for trial in mouse.trials:
            if trial.labelled:
                video = np.load(trial.video_path)[..., :trial.length]
                assert trial.fold == trial.video_hash % 7
                by_video.setdefault(video.tobytes(), []).append((mouse.id, trial.tier, trial.fold))
    shared = [v for v in by_video.values() if len(v) > 1]
    assert any(len({m for m, _, _ in v}) > 1 for v in shared), "no video shown to two mice"
    assert any(len({t for _, t, _ in v}) > 1 for v in shared) or any(
        sum(1 for _, t, _ in v if t == "oracle") > 1 for v in shared), "no repeated video within a mouse"
    for occurrences in shared:
        assert len({fold for _, _, fold in occurrences}) == 1, occurrences
    # unlabelled trials get no fold; a second read gives the same folds
    again = data.read_dataset(quirky, log=lambda m: None)
    folds.assign_folds(again)
    assert [[t.fold for t in m.trials] for m in again] == [[t.fold for t in m.trials] for m in mice]
    assert all(t.fold is None for m in mice for t in m.trials if not t.labelled)


def _first_labelled(folder):
    tiers = np.load(folder / "meta" / "trials" / "tiers.npy")
    return int(np.flatnonzero((tiers == "train") | (tiers == "oracle"))[0])


def _expect_error(folder, fragment, path):
    with pytest.raises(data.DataError) as error:
        data.read_dataset(folder.parent, log=lambda m: None)
    message = str(error.value)
    assert str(path) in message and fragment in message, message
    return message


def test_corrupt_trial_is_named(small):
    mouse = small / "mouse0"
    trial = _first_labelled(mouse)
    path = mouse / "data" / "videos" / f"{trial}.npy"
    path.write_bytes(path.read_bytes()[:5000])  # truncated
    _expect_error(mouse, "not a readable .npy file", path)
    path.write_bytes(b"not numpy at all")
    _expect_error(mouse, "not a readable .npy file", path)


def test_missing_file_is_named(small):
    mouse = small / "mouse0"
    path = mouse / "data" / "behavior" / f"{_first_labelled(mouse)}.npy"
    path.unlink()
    _expect_error(mouse, "file not found", path)
    shutil.rmtree(mouse / "meta" / "neurons")
    _expect_error(mouse, "file not found", mouse / "meta" / "neurons" / "unit_ids.npy")


def test_mismatched_shapes_are_named(small):
    mouse = small / "mouse0"
    trial = _first_labelled(mouse)
    path = mouse / "data" / "responses" / f"{trial}.npy"
    responses = np.load(path)
    np.save(path, responses[:-1])  # one neuron short
    _expect_error(mouse, "expected shape", path)
    np.save(path, responses)
    video_path = mouse / "data" / "videos" / f"{trial}.npy"
    np.save(video_path, np.load(video_path)[..., :-3])  # padded length differs from the mouse's
    _expect_error(mouse, "differs from the mouse's", video_path)


def test_length_mismatch_and_nan_inside_a_trial_are_named(small):
    mouse = small / "mouse0"
    trial = _first_labelled(mouse)
    pupil = mouse / "data" / "pupil_center" / f"{trial}.npy"
    values = np.load(pupil)
    length = int(np.flatnonzero(np.isnan(values[0]))[0]) if np.isnan(values[0]).any() else values.shape[1]
    short = values.copy()
    short[:, length - 4:] = np.nan
    np.save(pupil, short)
    _expect_error(mouse, "do not line up", pupil)
    np.save(pupil, values)
    video = mouse / "data" / "videos" / f"{trial}.npy"
    frames = np.load(video)
    frames[3, 5, length // 2] = np.nan
    np.save(video, frames)
    _expect_error(mouse, f"NaN or Inf inside the trial at frame {length // 2}", video)


def test_bad_tiers_are_named(small):
    mouse = small / "mouse0"
    path = mouse / "meta" / "trials" / "tiers.npy"
    tiers = np.load(path)
    tiers[0] = "holdout"
    np.save(path, tiers)
    _expect_error(mouse, "unknown tier names ['holdout']", path)
    np.save(path, np.arange(tiers.size))
    _expect_error(mouse, "expected unicode tier names", path)


def test_cli_stops_with_one_line_naming_the_file(small, tmp_path):
    mouse = small / "mouse0"
    path = mouse / "data" / "responses" / f"{_first_labelled(mouse)}.npy"
    np.save(path, np.load(path)[:, :10])
    for args in (["check-data", "--data", small],
                 ["train", "--config", "demo", "--data", small, "--out", tmp_path / "exp", "--folds", "0"]):
        result = run_trainer(*args)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in result.stderr, result.stderr


def test_old_mice_test_tiers_are_labelled_when_they_have_responses(tmp_path):
    """The original folds every trial of the five old mice (their test responses were published);
    here a test trial counts as labelled when its responses are not all zero."""
    old, new = constants.OLD_MICE[0], constants.NEW_MICE[0]
    synth.generate(tmp_path, mice=2, neurons=[5], trials=[8], frames=40, mouse_ids=[old, new], seed=9,
                   log=lambda m: None)
    for mouse in (old, new):  # publish the test responses of both mice
        tiers = np.load(tmp_path / mouse / "meta" / "trials" / "tiers.npy")
        for trial in np.flatnonzero(np.isin(tiers, synth.TEST_TIERS)):
            path = tmp_path / mouse / "data" / "responses" / f"{trial}.npy"
            block = np.load(path)
            truth = np.load(tmp_path / synth.TRUTH_DIR / mouse / "responses" / f"{trial}.npy")
            block[:, :truth.shape[1]] = truth
            np.save(path, block)
    mice = {m.id: m for m in data.read_dataset(tmp_path, log=lambda m: None)}
    folds.assign_folds(mice.values())
    for trial in mice[old].trials:
        assert trial.labelled and trial.fold is not None
    for trial in mice[new].trials:  # the new mice's test tiers are never labelled, as the original
        assert trial.labelled == (trial.tier in ("train", "oracle"))
