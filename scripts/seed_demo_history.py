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


def main(data_dir: Path) -> None:
    now = datetime.now(UTC)
    history = History.open(data_dir, now=lambda: now).history
    rng = random.Random(3)
    for week in range(16, -1, -1):
        for _ in range(rng.choice((1, 2, 3, 3, 4))):
            start = now - timedelta(weeks=week, days=rng.randint(0, 6), hours=rng.randint(1, 5))
            if start > now:
                continue
            session = history.start_session("psoas-3", "standard", start)
            moment = start
            for index, (exercise, side) in enumerate(HOLDS):
                record = HoldRecord(
                    exercise,
                    side,
                    1 + index % 2,
                    index + 1,
                    25.0,
                    25.0,
                    moment,
                    3600,
                    PhaseStatus.COMPLETED,
                    index,
                )
                history.add_record(session, record)
                moment += timedelta(seconds=40)
            history.end_session(session, rng.choice(["completed"] * 5 + ["stopped"]), moment)
            tightness = max(0, min(9, 8 - (16 - week) // 3 + rng.randint(-1, 1)))
            history.add_checkin(session, "left", tightness, "")
            history.add_checkin(session, "right", tightness + 1, "")
    history.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
