"""Run a test's child process as an unprivileged user, even from a checkout only root can read.

Root ignores file permissions, so a test about a read-only folder runs its child as ``nobody`` (uid 65534)
through setpriv. That user may not reach the checkout at all: CI clones into a folder of mode 0700, and the
.venv with the installed wheel is inside it. So the child gets copies in a world-readable folder: its script
and the packages it imports, run by an interpreter that user can start, with ``-S`` (no site-packages it
might not read) and ``PYTHONPATH`` naming the copies.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

NOBODY = 65534
# What a storage child imports beyond the standard library (psoas_desktop's own runtime dependencies that
# core and storage may use are pure Python and cheap to copy).
CHILD_PACKAGES = ("psoas_desktop", "platformdirs")
# The child runs as another user and cannot write this run's coverage data; its code paths run in-process too.
_NOT_FOR_THE_CHILD = ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")


@dataclass(frozen=True)
class Child:
    """How to start the child: its command line (script arguments go after it), environment and folder."""

    command: tuple[str, ...]
    env: dict[str, str] | None = None
    cwd: Path | None = None


def python_child(script: Path, folder: Path, packages: Sequence[str] = CHILD_PACKAGES) -> Child:
    """`script` run as nobody when we are root (else as we are), from copies in `folder` (world-readable)."""
    if os.geteuid() != 0:
        return Child((sys.executable, str(script)))
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root (which ignores permissions) and setpriv is not available to drop them")
    drop = (setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
    copies = folder / "child"
    copies.mkdir()
    shutil.copy(script, copies / script.name)
    for name in packages:
        _copy_package(name, copies)
    _readable_by_all(copies)
    env = {k: v for k, v in os.environ.items() if k not in _NOT_FOR_THE_CHILD}
    env |= {"PYTHONPATH": str(copies), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"}
    python = _python_nobody_can_run(drop, env, copies)
    return Child((*drop, python, "-S", str(copies / script.name)), env, copies)


def _copy_package(name: str, into: Path) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ModuleNotFoundError(name)
    if spec.submodule_search_locations:
        source = Path(next(iter(spec.submodule_search_locations)))
        shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__"))
    elif spec.origin is not None:
        shutil.copy(spec.origin, into / Path(spec.origin).name)


def _readable_by_all(root: Path) -> None:
    for path in (root, *root.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _python_nobody_can_run(drop: Sequence[str], env: dict[str, str], cwd: Path) -> str:
    """Our interpreter if nobody can start it (with its standard library), else the same version found
    elsewhere (a virtual environment inside a 0700 checkout may be out of its reach)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    base = getattr(sys, "_base_executable", sys.executable)
    system = [f"{folder}/python{version}" for folder in ("/usr/bin", "/usr/local/bin")]
    candidates = [sys.executable, base, os.path.realpath(base), shutil.which(f"python{version}"), *system]
    probe = "import json, sqlite3, sys; print('%d.%d' % sys.version_info[:2])"
    for python in dict.fromkeys(c for c in candidates if c):
        answer = subprocess.run(
            [*drop, python, "-S", "-c", probe], env=env, cwd=cwd, capture_output=True, text=True, check=False
        )
        if answer.returncode == 0 and answer.stdout.strip() == version:
            return python
    pytest.skip(f"no Python {version} that uid {NOBODY} can run (tried {candidates})")
