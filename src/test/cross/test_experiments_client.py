"""The Python client (client/python/dwiseneuro_client.py) against the real packaged service over HTTP, on
an ensemble whose neurons are known by construction (src/test/python/make_detector_ensemble.py): clips
in and numpy arrays out, an experiment run with progress, its result as JSON and .npz, its plots and
stimuli, problem+json errors, cancellation. Needs `./mvnw package` first."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from service import ROOT, Service

sys.path.insert(0, str(ROOT / "client" / "python"))
from dwiseneuro_client import Client, JobFailed, ServiceError  # noqa: E402

MEAN = 110.0  # the detector mice's video_mean
SPEC = {"type": "direction_tuning", "directions": 8, "spatial_frequency": 0.04, "temporal_frequency": 2,
        "timing": {"gray_before_frames": 20, "stimulus_frames": 40}}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("detectors")
    subprocess.run([sys.executable, str(ROOT / "src" / "test" / "python" / "make_detector_ensemble.py"), str(folder)],
                   check=True)
    service = Service(folder, tmp_path_factory.mktemp("log") / "service.log",
                      [f"-Ddwiseneuro.experiments.results-dir={tmp_path_factory.mktemp('results')}"])
    try:
        service.wait_ready()
        yield Client(service.url(""))
    finally:
        service.stop()


def test_clips_in_and_arrays_out(client):
    assert {m["id"]: m["neurons"] for m in client.mice()} == {"motion": 12, "spots": 8, "surround": 2}
    assert client.display()["source"].startswith("default")
    gray = np.full((36, 64, 40), MEAN, dtype=np.float32)
    traces = np.zeros((2, 40), dtype=np.float32)
    responses = client.responses("motion", gray, traces, traces)
    assert responses.shape == (12, 40) and responses.dtype == np.float32
    np.testing.assert_allclose(responses, 0.1, atol=1e-6)  # motion detectors rest at their baseline on gray
    with pytest.raises(ServiceError) as error:
        client.responses("no-such-mouse", gray, traces, traces)
    assert error.value.status == 404 and "no-such-mouse" in error.value.detail


def test_an_experiment_from_spec_to_numpy(client):
    seen = []
    job = client.run_experiment("motion", SPEC, poll=0.5, progress=seen.append)
    assert job["state"] == "done" and seen[-1]["progress"] == 1.0
    result = client.result(job["id"])
    arrays = client.result_arrays(job["id"])
    assert arrays["responses"].shape == (12, 8) and arrays["responses"].dtype == np.float32
    np.testing.assert_allclose(arrays["responses"], np.asarray(result["responses"], dtype=np.float32), rtol=1e-6)
    np.testing.assert_allclose(arrays["preferred_direction"], result["preferred_direction"])
    built = [10, 40, 75, 100, 135, 170, 200, 230, 260, 290, 320, 345]  # make_detector_ensemble.py's MOTION
    error = np.abs((np.asarray(result["preferred_direction"]) - built + 180) % 360 - 180)
    print("preferred directions", result["preferred_direction"], "errors", error.tolist())
    assert (error <= 45).all()
    assert client.plot(job["id"], "polar_tuning.png")[:8] == b"\x89PNG\r\n\x1a\n"

    # the stimuli are the very clips the model saw: posting one back gives the result's responses
    stimuli = client.stimuli(job["id"])
    assert [s["name"] for s in stimuli] == [f"trial_{i:03d}" for i in range(8)]
    video = client.stimulus(job["id"], "trial_002")
    assert video.shape == (36, 64, 60) and video.dtype == np.float32
    assert client.stimulus(job["id"], "trial_002", "mp4")[4:8] == b"ftyp"
    measure = result["response_measure"]
    start, end = measure["response_frames"]
    behavior = np.tile(np.asarray(result["behavior"], dtype=np.float32)[:, None], (1, 60))
    pupil = np.tile(np.asarray(result["pupil_center"], dtype=np.float32)[:, None], (1, 60))
    again = client.responses("motion", video, behavior, pupil)[:, start:end].mean(axis=1)
    np.testing.assert_allclose(again, arrays["responses"][:, 2], rtol=1e-4, atol=1e-6)


def test_problems_and_cancellation(client):
    with pytest.raises(ServiceError) as error:
        client.submit_experiment("motion", {"type": "direction_tuning", "spatial_frequency": 0.5})
    assert error.value.status == 422 and "spatial_frequency" in error.value.detail
    job = client.submit_experiment("spots", {"type": "receptive_fields", "frames": 30000, "behavior": [0, 0],
                                             "pupil_center": [0, 0]})
    client.cancel(job["id"])
    with pytest.raises(JobFailed) as failed:
        client.wait(job["id"], poll=0.2, progress=None, timeout=120)
    assert failed.value.job["state"] == "cancelled"
