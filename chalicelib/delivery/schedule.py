"""The retry schedule: the seed's three cycles as one flat list of delays after each failed try."""

CYCLE_1 = (1, 3, 5, 10, 10)
CYCLE_2 = (0, 1, 3, 5, 30)
CYCLE_3 = (60, 60, 180, 300, 600, 1800)
DELAYS: tuple[int, ...] = CYCLE_1 + CYCLE_2 + CYCLE_3
MAX_TRIES = len(DELAYS) + 1


def delay_after(failed_try: int) -> int | None:
    """Seconds to wait after try ``failed_try`` (1-based) failed; ``None`` once the schedule is spent."""
    return DELAYS[failed_try - 1] if 1 <= failed_try <= len(DELAYS) else None
