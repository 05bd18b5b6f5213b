"""Synthetic datasets shared by the training tests (generated once per test session)."""
import os
import subprocess
import sys
from pathlib import Path

from dwiseneuro_trainer import synth

TRAINER_ROOT = Path(__file__).resolve().parents[1]
_CACHE = {}


def dataset(factory, name: str, **kwargs) -> Path:
    """A synthetic dataset written once per session (kwargs go to synth.generate)."""
    if name not in _CACHE:
        path = factory.mktemp(name)
        synth.generate(path, log=lambda message: None, **kwargs)
        _CACHE[name] = path
    return _CACHE[name]


def run_trainer(*args, env=None, timeout=600):
    """Run trainer/bin/trainer as a user would; returns the CompletedProcess."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    return subprocess.run([str(TRAINER_ROOT / "bin" / "trainer"), *map(str, args)], capture_output=True,
                          text=True, env=full_env, timeout=timeout)
