"""Where data and settings live: platformdirs defaults, always overridable (--data-dir, --config-dir, tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "psoas-desktop"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path

    @property
    def log_file(self) -> Path:
        return self.data_dir / "psoas-desktop.log"


def resolve_paths(data_dir: Path | None = None, config_dir: Path | None = None) -> AppPaths:
    return AppPaths(
        data_dir=(data_dir or platformdirs.user_data_path(APP_NAME, appauthor=False)).expanduser(),
        config_dir=(config_dir or platformdirs.user_config_path(APP_NAME, appauthor=False)).expanduser(),
    )
