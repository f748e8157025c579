"""SPC results (reports.spc) in words: the chart's description and the table beside it.

Display rounding happens here (and in reports.spc_chart), never in the result.
The table is the accessible equivalent of the chart and always goes with it:
see templates/reports/includes/spc_chart.html.
"""

from collections.abc import Container, Mapping
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disclosure import HIDDEN_SMALL, Hidden

from . import spc as s

# The kind of each point (the chart's key, the table's last column) ...
SPECIAL_CAUSE_WORDS = {
    s.COMMON: gettext_lazy("common cause"),
    s.IMPROVEMENT: gettext_lazy("special cause, improvement"),
    s.CONCERN: gettext_lazy("special cause, concern"),
    s.NEITHER: gettext_lazy("special cause, neither improvement nor concern"),
}
# ... the verdict on the latest value ...
VARIATION_WORDS = {
    s.COMMON_CAUSE: gettext_lazy("common cause, no sign of change"),
    s.SPECIAL_CAUSE_IMPROVEMENT: gettext_lazy("special cause improvement"),
    s.SPECIAL_CAUSE_CONCERN: gettext_lazy("special cause concern"),
    s.SPECIAL_CAUSE_NEITHER: gettext_lazy("special cause, neither improvement nor concern"),
    s.NOT_ENOUGH_DATA: gettext_lazy("not enough data yet"),
}
# ... and what the process limits say about meeting the target.
ASSURANCE_WORDS = {
    s.CONSISTENTLY_PASSES: gettext_lazy(
        "it will be met every month unless something changes (both process limits are "
        "on the right side of it)"
    ),
    s.CONSISTENTLY_FAILS: gettext_lazy(
        "it will be missed every month unless something changes (both process limits are "
        "on the wrong side of it)"
    ),
    s.HIT_AND_MISS: gettext_lazy(
        "it will be met in some months and missed in others by chance alone (it lies "
        "between the process limits)"
    ),
}
_KIND = {
    s.IMPROVEMENT: gettext_lazy("improvement"),
    s.CONCERN: gettext_lazy("concern"),
    s.NEITHER: gettext_lazy("neither improvement nor concern"),
}


def number(value: float, unit: str = "%") -> str:
    """A value for display: one decimal place, then the unit ("62.5%", "3.0 sessions")."""
    text = formats.number_format(round(value, 1), decimal_pos=1)
    return f"{text}{unit}" if unit in ("", "%") else f"{text} {unit}"


def spc_description(result: s.SpcResult, *, unit: str = "%") -> str:
    """What the chart shows, in sentences: the chart's <desc>."""
    sentences = []
    # The mean and both limits are all there or all None (fewer than MIN_POINTS values).
    if result.mean is None or result.lower is None or result.upper is None:
        sentences.append(
            _(
                "Not enough data for a mean and process limits: %(count)s of the "
                "%(minimum)s months needed have a value."
            )
            % {"count": result.values_used, "minimum": s.MIN_POINTS}
        )
    else:
        sentences.append(
            _("Mean %(mean)s, process limits %(lower)s to %(upper)s, from %(count)s months.")
            % {
                "mean": number(result.mean, unit),
                "lower": number(result.lower, unit),
                "upper": number(result.upper, unit),
                "count": result.values_used,
            }
        )
        if result.provisional:
            sentences.append(
                _(
                    "The limits are provisional: Making Data Count advises "
                    "at least %(count)s months."
                )
                % {"count": s.RECOMMENDED_POINTS}
            )
        sentences.append(_("Variation: %(words)s.") % {"words": VARIATION_WORDS[result.variation]})
        sentences.append(_special_causes(result))
    sentences.extend(_latest_and_target(result, unit))
    missing = [p.label for p in result.points if p.value is None]
    if missing:
        sentences.append(_("No value for %(months)s.") % {"months": ", ".join(missing)})
    return " ".join(sentences)


def _special_causes(result: s.SpcResult) -> str:
    """Special cause months; a stretch of months of the same kind goes together
    ("Jan 2025 to Jul 2025: concern (...)") with every rule that flagged any of them.
    """
    groups: list[list] = []  # [first label, last label, category, {rule: None}]
    previous = ""  # the category of the point before, "" after a gap or common cause
    for point in result.points:
        if point.special_cause and point.special_cause == previous:
            groups[-1][1] = point.label
            groups[-1][3].update(dict.fromkeys(point.rules))
        elif point.special_cause:
            groups.append(
                [point.label, point.label, point.special_cause, dict.fromkeys(point.rules)]
            )
        previous = point.special_cause
    if not groups:
        return _("No month shows special cause variation.")
    described = [
        _("%(months)s: %(kind)s (%(rules)s)")
        % {
            "months": first
            if first == last
            else _("%(first)s to %(last)s") % {"first": first, "last": last},
            "kind": _KIND[category],
            "rules": ", ".join(rules),
        }
        for first, last, category, rules in groups
    ]
    return _("Special cause months: %(list)s.") % {"list": "; ".join(described)}


def _latest_and_target(result: s.SpcResult, unit: str) -> list[str]:
    latest = result.latest  # the latest point with a value
    sentences = []
    if latest is not None and latest.value is not None:
        sentences.append(
            _("Latest value %(value)s in %(month)s.")
            % {"value": number(latest.value, unit), "month": latest.label}
        )
    if result.target is None:
        return sentences
    target = number(result.target, unit)
    if latest is not None and latest.value is not None:
        sentences.append(_target_sentence(latest.value, result, target))
    else:
        sentences.append(_("Target %(target)s.") % {"target": target})
    if result.assurance:
        sentences.append(
            _("As for the target, %(words)s.") % {"words": ASSURANCE_WORDS[result.assurance]}
        )
    return sentences


def _target_sentence(value: float, result: s.SpcResult, target_text: str) -> str:
    target, better = result.target, result.higher_is_better
    if target is None:
        raise ValueError("Only a result with a target has a target sentence.")
    if better is not None and (value >= target if better else value <= target):
        sentence = _("That meets the target of %(target)s.")
    elif value > target:
        sentence = _("That is above the target of %(target)s.")
    elif value < target:
        sentence = _("That is below the target of %(target)s.")
    else:
        sentence = _("That equals the target of %(target)s.")
    return sentence % {"target": target_text}


# --- the table that goes with the chart ---------------------------------------


@dataclass(frozen=True)
class SpcRow:
    label: str
    value: str  # "62.5%", "fewer than 5" (suppressed) or "No data"
    mean: str
    limits: str
    special_cause: str  # "Common cause", "Special cause, concern: a run of 7 below the mean", ""


@dataclass(frozen=True)
class SpcTable:
    result: s.SpcResult
    rows: tuple[SpcRow, ...]
    variation: str  # the verdict in words
    assurance: str  # against the target in words, or ""


def spc_table(
    result: s.SpcResult,
    *,
    unit: str = "%",
    suppressed_labels: Container[str] | Mapping[str, str] = frozenset(),
    suppressed: Hidden = HIDDEN_SMALL,
    incomplete_labels: Container[str] = frozenset(),
) -> SpcTable:
    """The rows for templates/reports/includes/spc_chart.html.

    A point with no value whose label is in `suppressed_labels` shows what the
    mapping gives for it (or `suppressed`, "fewer than 5", for a plain
    container); a month still under way (`incomplete_labels`) says so and is
    never assessed; any other point with no value, "No data".
    """
    if result.mean is None or result.lower is None or result.upper is None:  # all or none
        mean = limits = _("Not calculated")
    else:
        mean = number(result.mean, unit)
        limits = _("%(lower)s to %(upper)s") % {
            "lower": number(result.lower, unit),
            "upper": number(result.upper, unit),
        }
    rows = []
    for point in result.points:
        if point.label in incomplete_labels:
            value, special = _("Month not over yet"), _("Not assessed: the month is incomplete")
        elif point.value is None:
            if isinstance(suppressed_labels, Mapping) and point.label in suppressed_labels:
                value = str(suppressed_labels[point.label])
            elif point.label in suppressed_labels:
                value = str(suppressed)
            else:
                value = _("No data")
            special = ""
        else:
            value = number(point.value, unit)
            special = str(SPECIAL_CAUSE_WORDS[point.special_cause]).capitalize()
            if point.special_cause:
                special = f"{special}: {'; '.join(point.rules)}"
            elif result.mean is None:
                special = _("Not assessed")
        rows.append(SpcRow(point.label, value, mean, limits, special))
    return SpcTable(
        result=result,
        rows=tuple(rows),
        variation=str(VARIATION_WORDS[result.variation]),
        assurance=str(ASSURANCE_WORDS[result.assurance]) if result.assurance else "",
    )
