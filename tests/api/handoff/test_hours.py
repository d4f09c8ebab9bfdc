"""LiveChat opening hours: Monday to Friday, 8:30-18:30 Europe/Paris, minus public holidays."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from api.core.config import Settings
from api.handoff.hours import OpeningHours, describe_instant, opening_hours_from

PARIS = ZoneInfo("Europe/Paris")
HOURS = OpeningHours()


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("instant", "is_open"),
    [
        (paris(2026, 11, 24, 10, 0), True),  # a Tuesday morning
        (paris(2026, 11, 24, 8, 29, 59), False),  # one second before opening
        (paris(2026, 11, 24, 8, 30), True),  # opening: open
        (paris(2026, 11, 24, 18, 29, 59), True),  # last second
        (paris(2026, 11, 24, 18, 30), False),  # closing: closed
        (paris(2026, 11, 24, 23, 0), False),  # at night
        (paris(2026, 11, 28, 10, 0), False),  # Saturday
        (paris(2026, 11, 29, 10, 0), False),  # Sunday
        (paris(2026, 11, 11, 10, 0), False),  # Wednesday 11 November (Armistice)
        (paris(2026, 12, 25, 10, 0), False),  # Christmas, a Friday
        (paris(2027, 5, 17, 10, 0), False),  # Whit Monday 2027
        (paris(2026, 11, 10, 10, 0), True),  # the day before the Armistice
    ],
)
def test_advisors_answer_on_working_days_within_the_hours(instant: datetime, is_open: bool) -> None:
    assert HOURS.is_open(instant) is is_open


def test_hours_are_read_in_paris_time_whatever_the_instants_zone() -> None:
    # 8:30 in Paris is 7:30 UTC in winter and 6:30 UTC in summer.
    assert HOURS.is_open(datetime(2026, 11, 24, 7, 30, tzinfo=UTC))
    assert not HOURS.is_open(datetime(2026, 11, 24, 7, 29, tzinfo=UTC))
    assert HOURS.is_open(datetime(2026, 6, 16, 6, 30, tzinfo=UTC))
    assert not HOURS.is_open(datetime(2026, 6, 16, 16, 30, tzinfo=UTC))  # 18:30 in Paris


@pytest.mark.parametrize(
    ("instant", "back"),
    [
        (paris(2026, 11, 24, 7, 0), paris(2026, 11, 24, 8, 30)),  # early: same morning
        (paris(2026, 11, 24, 18, 30), paris(2026, 11, 25, 8, 30)),  # closing: next morning
        (paris(2026, 11, 27, 19, 0), paris(2026, 11, 30, 8, 30)),  # Friday evening: Monday
        (paris(2026, 11, 28, 10, 0), paris(2026, 11, 30, 8, 30)),  # Saturday: Monday
        (paris(2026, 11, 10, 20, 0), paris(2026, 11, 12, 8, 30)),  # eve of 11 November
        (paris(2026, 12, 24, 19, 0), paris(2026, 12, 28, 8, 30)),  # Christmas Eve: Monday
    ],
)
def test_next_opening_skips_nights_weekends_and_holidays(instant: datetime, back: datetime) -> None:
    assert HOURS.next_opening(instant) == back


def test_next_opening_is_now_when_open() -> None:
    now = paris(2026, 11, 24, 11, 0)
    assert HOURS.next_opening(now) == now


def test_hours_days_zone_and_closed_days_are_configurable() -> None:
    settings = Settings(
        handoff_opening_time=time(9, 0),
        handoff_closing_time=time(17, 0),
        handoff_weekdays={0, 2},
        handoff_timezone="America/Cayenne",
        handoff_closed_dates={date(2026, 11, 30)},
        handoff_holidays_country=None,
    )
    hours = opening_hours_from(settings)
    cayenne = ZoneInfo("America/Cayenne")

    assert hours.is_open(datetime(2026, 11, 25, 9, 0, tzinfo=cayenne))  # Wednesday
    assert not hours.is_open(datetime(2026, 11, 24, 10, 0, tzinfo=cayenne))  # Tuesday
    assert not hours.is_open(datetime(2026, 11, 25, 17, 0, tzinfo=cayenne))
    # Monday 30 is an extra closed day: next is Wednesday 2 December.
    assert hours.next_opening(datetime(2026, 11, 27, 12, 0, tzinfo=cayenne)) == datetime(
        2026, 12, 2, 9, 0, tzinfo=cayenne
    )
    assert hours.describe() == "le lundi et le mercredi de 9 h à 17 h"


def test_a_schedule_with_no_day_never_opens() -> None:
    hours = OpeningHours(weekdays=frozenset())
    assert hours.next_opening(paris(2026, 11, 24, 10, 0)) is None


def test_the_schedule_and_the_return_are_said_in_french() -> None:
    assert HOURS.describe() == "du lundi au vendredi de 8 h 30 à 18 h 30, hors jours fériés"
    now = paris(2026, 11, 28, 10, 0)
    assert describe_instant(paris(2026, 11, 30, 8, 30), now=now, zone=PARIS) == (
        "lundi 30 novembre à 8 h 30"
    )
    assert describe_instant(paris(2026, 11, 28, 13, 0), now=now, zone=PARIS) == (
        "aujourd'hui à 13 h"
    )
    assert describe_instant(paris(2026, 11, 29, 8, 30), now=now, zone=PARIS) == ("demain à 8 h 30")
    assert describe_instant(paris(2027, 1, 1, 8, 30), now=now, zone=PARIS) == (
        "vendredi 1er janvier 2027 à 8 h 30"
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"handoff_opening_time": time(18, 0), "handoff_closing_time": time(8, 0)},
        {"handoff_weekdays": {7}},
        {"handoff_timezone": "Europe/Nowhere"},
    ],
)
def test_unusable_hours_are_refused_at_start(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(**overrides)  # type: ignore[arg-type]
