"""A person's download of their own data: every app's part, as JSON and as HTML, in a zip.

Each app owns its tables, so each says what it holds about a person in its
`personal_data.export_for(user)`; this module only gathers, renders and packs.
"""

import datetime
import io
import json
import zipfile
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_log

# The apps that hold personal data, in the order the export shows them. Each has
# a `personal_data` module with `export_for(user)` and `erase_private_text(user)`.
APP_TITLES = {
    "accounts": gettext_lazy("Your account"),
    "supervision": gettext_lazy("Supervision"),
    "peergroups": gettext_lazy("Groups and peer support"),
    "feedback": gettext_lazy("Feedback, journal, wellbeing and ideas"),
    "notifications": gettext_lazy("Notifications"),
}
PERSONAL_DATA_APPS = tuple(APP_TITLES)

# A table with more columns than this, or with lists inside it, is easier to
# read as one small table per item.
_WIDE = 6


def personal_data_modules():
    return [(app, import_module(f"{app}.personal_data")) for app in PERSONAL_DATA_APPS]


@dataclass(frozen=True)
class PersonalDataExport:
    filename: str
    content: bytes


def _about() -> str:
    return _(
        "Everything this service holds about you that you are entitled to see: your "
        "account, your supervision, groups and peer support, what you wrote, and the "
        "notifications sent to you. It leaves out other people's private text and "
        "aggregates built from other people's answers. Times are in UTC in data.json "
        "and in the organisation's time zone in data.html."
    )


def collect(user) -> dict[str, Any]:
    """Every app's part of `user`'s data, keyed by app."""
    return {app: module.export_for(user) for app, module in personal_data_modules()}


# --- HTML ---------------------------------------------------------------------


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _none() -> SafeString:
    return mark_safe("&ndash;")


def _value(value: Any) -> SafeString:
    """One value as escaped HTML; dicts and lists become nested tables."""
    if value is None or value == "" or value == [] or value == {}:
        return _none()
    if isinstance(value, bool):
        return escape(_("Yes") if value else _("No"))
    if isinstance(value, datetime.datetime):
        return escape(date_format(timezone.localtime(value), "j F Y, H:i T"))
    if isinstance(value, datetime.date):
        return escape(date_format(value, "j F Y"))
    if isinstance(value, datetime.time):
        return escape(value.strftime("%H:%M"))
    if isinstance(value, dict):
        return _pairs(value)
    if isinstance(value, list | tuple):
        if all(isinstance(item, dict) for item in value):
            return _table(list(value))
        return format_html_join(", ", "{}", ((_value(item),) for item in value))
    # Escape first, then keep the writer's line breaks.
    return mark_safe(escape(str(value)).replace("\n", "<br>"))  # noqa: S308 - escaped above


def _pairs(mapping: dict[str, Any]) -> SafeString:
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td></tr>',
        ((_label(key), _value(value)) for key, value in mapping.items()),
    )
    return format_html('<table class="pairs"><tbody>{}</tbody></table>', rows)


def _table(rows: list[dict[str, Any]]) -> SafeString:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    head = format_html_join("", '<th scope="col">{}</th>', ((_label(c),) for c in columns))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (format_html_join("", "<td>{}</td>", ((_value(row.get(c)),) for c in columns)),)
            for row in rows
        ),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def _is_wide(rows: list[dict[str, Any]]) -> bool:
    columns = {key for row in rows for key in row}
    nested = any(isinstance(v, dict | list) for row in rows for v in row.values())
    return len(columns) > _WIDE or nested


def _section(key: str, value: Any) -> SafeString:
    heading = format_html("<h3>{}</h3>", _label(key))
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        if not _is_wide(value):
            return heading + _table(value)
        items = format_html_join(
            "",
            "<h4>{}</h4>{}",
            (
                (
                    _("%(what)s: %(n)d of %(count)d")
                    % {"what": _label(key), "n": n, "count": len(value)},
                    _pairs(item),
                )
                for n, item in enumerate(value, start=1)
            ),
        )
        return heading + items
    if isinstance(value, dict) and value:
        return heading + _pairs(value)
    if value is None or value == [] or value == {}:
        return heading + format_html("<p>{}</p>", _("None."))
    return heading + format_html("<p>{}</p>", _value(value))


def render_html(*, user, data: dict[str, Any], exported_at: datetime.datetime) -> str:
    apps = [
        {
            "title": APP_TITLES[app],
            "sections": [_section(key, value) for key, value in data[app].items()],
        }
        for app in PERSONAL_DATA_APPS
    ]
    return render_to_string(
        "accounts/personal_data_export.html",
        {
            "person": user.get_full_name() or user.email,
            "exported_at": timezone.localtime(exported_at),
            "about": _about(),
            "apps": apps,
        },
    )


# --- The download -------------------------------------------------------------


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


@transaction.atomic
def personal_data_export(*, user) -> PersonalDataExport:
    """Build `user`'s own data as a zip of data.json and data.html, and audit it."""
    now = timezone.now()
    data = collect(user)
    document = {"exported_at": now, "about": _about(), **data}
    content = _zip(
        {
            "data.json": json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            "data.html": render_html(user=user, data=data, exported_at=now),
        }
    )
    profile = getattr(user, "profile", None)
    audit_log(
        actor=user,
        action="personal_data.exported",
        target=user,
        organisation_id=profile.organisation_id if profile is not None else None,
        summary="Downloaded their own data",
        details={"sections": list(PERSONAL_DATA_APPS), "bytes": len(content)},
    )
    return PersonalDataExport(
        filename=f"my-data-{timezone.localdate(now):%Y-%m-%d}.zip", content=content
    )
