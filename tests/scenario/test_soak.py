"""A small fault-injection soak in every `make test` (the 1,000-event one is `make soak`)."""

from tests.support import soak


def test_soak_loses_nothing_and_sends_nothing_twice(frozen_clock):
    figures = soak.run(events=40, seed=3, now=frozen_clock.moment)
    soak.check(figures)
    assert sum(figures["crashes"].values()) > 0 and sum(figures["ses_faults"].values()) > 0, figures
    print(figures)
