"""The LiveChat's opening hours, as a dependency."""

from typing import Annotated

from fastapi import Depends

from api.core.deps import state
from api.handoff.hours import OpeningHours

HoursDep = Annotated[OpeningHours, Depends(state("opening_hours"))]
