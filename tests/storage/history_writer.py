"""A real process that writes to a History, for the fault tests and the benchmark (run with sys.executable).

    history_writer.py DATA_DIR write    [--first N] [--count N] [--per-session N]
    history_writer.py DATA_DIR fill     [--count N] [--limit-after N]
    history_writer.py DATA_DIR readonly

write: adds holds numbered from --first (the number is the record's phase_index) and prints ``ack N``
after add_record returned (i.e. after commit), one line each, flushed; a new session every --per-session.
fill: like write, but after --limit-after records caps the size of any file it writes (RLIMIT_FSIZE)
just above the current ones, keeps writing, prints ``error MESSAGE`` for each KnownError, and stops
after three of them.
readonly: prints one JSON line describing what open() said, then tries to save and prints the outcome.
Every mode starts with a JSON line ``{"opened": ..., "read_only": ..., "messages": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from datetime import UTC, datetime
from pathlib import Path

from psoas_desktop.core.catalog import Side
from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.core.errors import KnownError
from psoas_desktop.storage.history import History


def record(number: int) -> HoldRecord:
    return HoldRecord(
        exercise="bridge" if number % 2 else "kneeling-psoas-stretch",
        side=Side.LEFT if number % 3 else None,
        set=1 + number % 3,
        rep=number % 10,
        planned_seconds=30.0,
        actual_seconds=30.0,
        started_utc=datetime.now(UTC),
        utc_offset_seconds=3600,
        status=PhaseStatus.COMPLETED,
        phase_index=number,
    )


def cap_file_sizes(data_dir: Path) -> None:
    largest = max((p.stat().st_size for p in data_dir.rglob("*") if p.is_file()), default=0)
    limit = largest + 16 * 4096
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("mode", choices=("write", "fill", "readonly"))
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--per-session", type=int, default=20)
    parser.add_argument("--limit-after", type=int, default=10)
    args = parser.parse_args()

    result = History.open(args.data_dir, now=lambda: datetime.now(UTC))
    history = result.history
    print(
        json.dumps({"opened": True, "read_only": history.read_only, "messages": list(result.messages)}),
        flush=True,
    )
    if args.mode == "readonly":
        outcome: dict[str, object] = {
            "sessions": len(history.sessions()),
            "entries": sum(len(history.entries(s.id)) for s in history.sessions()),
        }
        try:
            history.start_session("quick-stretch", "standard", datetime.now(UTC))
            outcome["saved"] = True
        except KnownError as exc:
            outcome["error"] = str(exc)
        print(json.dumps(outcome), flush=True)
        history.close()
        return 0

    errors = 0
    session = history.start_session("daily", "standard", datetime.now(UTC).astimezone())
    for number in range(args.first, args.first + args.count):
        if args.mode == "fill" and number == args.first + args.limit_after:
            cap_file_sizes(args.data_dir)
        try:
            if (number - args.first) and (number - args.first) % args.per_session == 0:
                history.end_session(session, "completed", datetime.now(UTC))
                session = history.start_session("daily", "standard", datetime.now(UTC).astimezone())
            history.add_record(session, record(number))
        except KnownError as exc:
            print(f"error {exc}", flush=True)
            errors += 1
            if errors >= 3:
                break
            continue
        print(f"ack {number}", flush=True)
    history.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
