"""History: the random source, clock, writer and busy map every step shares."""

import datetime
import random
import string
import uuid

from kernel.models import SupervisionFunction

from .constants import FUNCTIONS, THEME_WEIGHTS
from .plan import Busy, local_moment, month_key, next_month, weighted
from .writer import Writer


class History:
    """One run: every choice comes from `rng`, so a seed gives the same history."""

    def __init__(self, *, seed: int, now: datetime.datetime, months: int):
        self.rng = random.Random(seed)  # noqa: S311 - made-up history, not security
        self.now = now
        self.months = months
        self.writer = Writer(now)
        self.busy = Busy()
        self.moments: dict[tuple, datetime.datetime] = {}
        self.alphabet = string.ascii_letters + string.digits

    def new_uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def between(self, start, end):
        return start + (end - start) * self.rng.random()

    def after(self, moment, mean_hours) -> datetime.datetime:
        """Some hours after `moment`, `mean_hours` on average (a delay such as logging)."""
        return moment + datetime.timedelta(hours=self.rng.expovariate(1 / mean_hours))

    def local(self, org, day: datetime.date, at: datetime.time) -> datetime.datetime:
        """`at` o'clock on `day` in the organisation's zone (remembered: supervisors'
        slots ask for the same few hours of the same days again and again)."""
        key = (org.zone, day, at)
        moment = self.moments.get(key)
        if moment is None:
            moment = self.moments[key] = local_moment(org.zone, day, at)
        return moment

    def in_waking_hours(self, org, moment):
        """The same day between 07:00 and 22:00 local, if `moment` falls at night."""
        local = moment.astimezone(org.zone)
        if 7 <= local.hour < 22:
            return moment
        at = datetime.time(self.rng.randint(7, 21), self.rng.randrange(60))
        return min(self.local(org, local.date(), at), self.now - datetime.timedelta(minutes=5))

    def calendar_months(self, org):
        """(year, month, first moment, end) for each month of history, up to now."""
        year, month = month_key(org.start, org.zone)
        result: list[tuple[int, int, datetime.datetime, datetime.datetime]] = []
        while True:
            first = self.local(org, datetime.date(year, month, 1), datetime.time())
            if first >= self.now:
                return result
            following = self.local(org, datetime.date(*next_month(year, month), 1), datetime.time())
            result.append((year, month, first, min(following, self.now)))
            year, month = next_month(year, month)

    def functions(self, *chances) -> list:
        """Supervision functions a record ticks, each with its chance (by default the
        chances in FUNCTIONS); restorative if none came up."""
        chances = chances or tuple(chance for _f, chance in FUNCTIONS)
        chosen = [
            f
            for (f, _c), chance in zip(FUNCTIONS, chances, strict=True)
            if self.rng.random() < chance
        ]
        return chosen or [SupervisionFunction.RESTORATIVE.value]

    def themes(self, org, moment) -> list:
        """One to three of the organisation's themes, workload and wellbeing more so in winter."""
        if not org.themes:
            return []
        rng = self.rng
        month = moment.astimezone(org.zone).month
        weights = []
        for _pk, name in org.themes:
            weight = THEME_WEIGHTS.get(name.lower(), 1.0)
            if month in (12, 1, 2) and name.lower() in ("workload", "wellbeing"):
                weight *= 1.6
            weights.append(weight)
        wanted = min(len(org.themes), weighted(rng, [(1, 45), (2, 40), (3, 15)]))
        chosen: set[int] = set()
        while len(chosen) < wanted:
            chosen.add(rng.choices(org.themes, weights=weights)[0][0])
        return sorted(chosen)
