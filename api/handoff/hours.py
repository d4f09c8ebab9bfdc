"""LiveChat opening hours: working days and hours in a time zone, minus public holidays."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from api.core.config import Settings

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# How far ahead next_opening() looks before it gives up (a schedule with no open day).
SEARCH_DAYS = 400


@lru_cache(maxsize=8)
def _public_holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)


@dataclass(frozen=True)
class OpeningHours:
    """When advisors answer: open days, opening and closing time, closed dates."""

    timezone: str = "Europe/Paris"
    opening: time = time(8, 30)
    closing: time = time(18, 30)
    weekdays: frozenset[int] = frozenset(range(5))  # 0 is Monday
    holidays_country: str | None = "FR"
    holidays_subdivision: str | None = None
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        """The time zone the hours are written in."""
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        """Whether advisors work that day (open weekday, not a holiday, not a closed date)."""
        if day.weekday() not in self.weekdays or day in self.closed_dates:
            return False
        if self.holidays_country is None:
            return True
        return day not in _public_holidays(self.holidays_country, self.holidays_subdivision)

    def is_open(self, at: datetime) -> bool:
        """Whether advisors answer at this instant (opening included, closing excluded)."""
        local = at.astimezone(self.zone)
        return self.is_working_day(local.date()) and self.opening <= local.time() < self.closing

    def next_opening(self, at: datetime) -> datetime | None:
        """The next instant advisors answer (`at` itself when open), or None if never."""
        if self.is_open(at):
            return at
        local = at.astimezone(self.zone)
        for offset in range(SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self.is_working_day(day):
                continue
            start = datetime.combine(day, self.opening, tzinfo=self.zone)
            if start > local:
                return start
        return None

    def describe(self) -> str:
        """The schedule in French: "du lundi au vendredi de 8 h 30 à 18 h 30, hors jours fériés"."""
        text = f"{describe_weekdays(self.weekdays)} de {french_time(self.opening)} à "
        text += french_time(self.closing)
        if self.holidays_country is not None:
            text += ", hors jours fériés"
        return text


def french_time(value: time) -> str:
    """A time the French way: 8 h 30, 18 h."""
    return f"{value.hour} h {value.minute:02d}" if value.minute else f"{value.hour} h"


def describe_weekdays(weekdays: Iterable[int]) -> str:
    """Open weekdays in French: "du lundi au vendredi", "le lundi et le jeudi"."""
    days = sorted(set(weekdays))
    if not days:
        return "aucun jour"
    if len(days) == 7:
        return "tous les jours"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"du {WEEKDAYS[days[0]]} au {WEEKDAYS[days[-1]]}"
    names = [f"le {WEEKDAYS[d]}" for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def describe_instant(when: datetime, *, now: datetime, zone: ZoneInfo) -> str:
    """When advisors are back, in French: "aujourd'hui à 13 h", "lundi 30 novembre à 8 h 30"."""
    local, today = when.astimezone(zone), now.astimezone(zone).date()
    at = f"à {french_time(local.time())}"
    if local.date() == today:
        return f"aujourd'hui {at}"
    if local.date() == today + timedelta(days=1):
        return f"demain {at}"
    day = "1er" if local.day == 1 else str(local.day)
    text = f"{WEEKDAYS[local.weekday()]} {day} {MONTHS[local.month - 1]}"
    if local.year != today.year:
        text += f" {local.year}"
    return f"{text} {at}"


def opening_hours_from(settings: Settings) -> OpeningHours:
    """The opening hours the settings describe."""
    return OpeningHours(
        timezone=settings.handoff_timezone,
        opening=settings.handoff_opening_time,
        closing=settings.handoff_closing_time,
        weekdays=frozenset(settings.handoff_weekdays),
        holidays_country=settings.handoff_holidays_country or None,
        holidays_subdivision=settings.handoff_holidays_subdivision or None,
        closed_dates=frozenset(settings.handoff_closed_dates),
    )
