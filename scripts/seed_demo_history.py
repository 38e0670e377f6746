"""Fill a data folder with four months of plausible sessions and check-ins, for README screenshots.

python scripts/seed_demo_history.py DATA_DIR
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from psoas_desktop.core.catalog import Side
from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.storage.history import History

HOLDS = [("bridge", None)] * 6 + [
    ("kneeling-psoas-stretch", Side.RIGHT),
    ("kneeling-psoas-stretch", Side.LEFT),
] * 2


def main(data_dir: Path, seed: int = 3, per_week: tuple[int, ...] = (1, 2, 3, 3, 4)) -> None:
    """``seed`` and ``per_week`` (sessions in a week, one drawn per week) make another device's history."""
    now = datetime.now(UTC)
    history = History.open(data_dir, now=lambda: now).history
    rng = random.Random(seed)
    for week in range(16, -1, -1):
        for _ in range(rng.choice(per_week)):
            start = now - timedelta(weeks=week, days=rng.randint(0, 6), hours=rng.randint(1, 5))
            if start > now:
                continue
            session = history.start_session("psoas-3", "standard", start)
            # Mostly whole sessions; some stopped half-way (they count), some stopped early after skipping
            # holds (shown, not counted: the pale top of a week's bar).
            ending = rng.choice(["completed"] * 8 + ["half", "early"])
            moment = start
            for index, (exercise, side) in enumerate(HOLDS):
                status, actual = PhaseStatus.COMPLETED, 25.0
                if ending == "half" and index == len(HOLDS) // 2:
                    status, actual = PhaseStatus.STOPPED, 9.0
                elif ending == "early" and index in (1, 2, 3):
                    status, actual = PhaseStatus.SKIPPED, 2.0
                elif ending == "early" and index == 4:
                    status, actual = PhaseStatus.STOPPED, 5.0
                record = HoldRecord(
                    exercise, side, 1 + index % 2, index + 1, 25.0, actual, moment, 3600, status, index
                )
                history.add_record(session, record)
                moment += timedelta(seconds=actual + 15)
                if status is PhaseStatus.STOPPED:
                    break
            history.end_session(session, "completed" if ending == "completed" else "stopped", moment)
            tightness = max(0, min(9, 8 - (16 - week) // 3 + rng.randint(-1, 1)))
            history.add_checkin(session, "left", tightness, "")
            history.add_checkin(session, "right", tightness + 1, "")
    history.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
