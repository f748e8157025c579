"""Small-number suppression: no figure a lead sees is built from fewer than 5 people.

Every figure in a report is a `Cell` that knows how many distinct people it
was built from. Primary suppression hides a cell built from fewer than
`MINIMUM_PEOPLE` people (none at all included: a zero in a small department
says something about each person in it). Secondary suppression then looks at
every set of cells that add up to a total shown beside them (a row or a
column): if what the hidden parts add up to (the total minus the parts shown)
could still be a figure about fewer than 5 people, the smallest part shown is
hidden too. That repeats until nothing changes, because hiding one cell can
expose another row or column.
"""

from dataclasses import dataclass, field

from feedback.aggregates_wellbeing import Suppressed

MINIMUM_PEOPLE = 5
SUPPRESSED = Suppressed(MINIMUM_PEOPLE)


@dataclass(eq=False)
class Cell:
    """One figure of a report and the number of distinct people behind it."""

    value: float | int | None
    people: int
    hidden: bool = False
    reason: str = ""  # "" | "primary" | "secondary"

    @property
    def shown(self):
        """The figure, or the "fewer than 5" marker when it is hidden."""
        return SUPPRESSED if self.hidden else self.value

    def hide(self, reason: str) -> None:
        if not self.hidden:
            self.hidden, self.reason = True, reason


def cell(value, people: int) -> Cell:
    """A cell with primary suppression applied."""
    result = Cell(value, people or 0)
    if result.people < MINIMUM_PEOPLE:
        result.hide("primary")
    return result


@dataclass
class Additive:
    """Parts that add up to a total shown beside them (a row or a column)."""

    parts: list[Cell]
    total: Cell | None = None
    members: list[Cell] = field(init=False)

    def __post_init__(self):
        self.members = [*self.parts, *([self.total] if self.total is not None else [])]


def exposed(group: Additive) -> bool:
    """Whether a shown total would give away something hidden among its parts.

    It does when exactly one part is hidden (total minus the others), and when
    the hidden parts are all small ones whose sum (total minus the parts
    shown) would itself be a figure about fewer than 5 people. Safe when the
    total is hidden, or when no part or every part is hidden.
    """
    if group.total is None or group.total.hidden:
        return False
    hidden = [part for part in group.parts if part.hidden]
    if not hidden or len(hidden) == len(group.parts):
        return False
    return len(hidden) == 1 or all(part.people < MINIMUM_PEOPLE for part in hidden)


def protect(groups: list[Additive]) -> None:
    """Secondary suppression over every additive group, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for group in groups:
            if exposed(group):
                smallest = min(
                    (part for part in group.parts if not part.hidden),
                    key=lambda part: (part.people, part.value or 0),
                )
                smallest.hide("secondary")
                changed = True


def derivable_hidden_cells(groups: list[Additive]) -> list[Cell]:
    """Hidden cells a reader could work out from the totals shown (should be none).

    Used by the tests: solves each group on its own, the way a reader with a
    calculator would, repeatedly, so values recovered from one group feed the
    next.
    """
    known: set[int] = set()
    recovered: list[Cell] = []
    changed = True
    while changed:
        changed = False
        for group in groups:
            if group.total is None or (group.total.hidden and id(group.total) not in known):
                continue
            unknown = [p for p in group.parts if p.hidden and id(p) not in known]
            if len(unknown) == 1:
                known.add(id(unknown[0]))
                recovered.append(unknown[0])
                changed = True
            elif not unknown and group.total.hidden and id(group.total) not in known:
                known.add(id(group.total))
                recovered.append(group.total)
                changed = True
    return recovered
