"""Hostile posts to every form of the site: never a server error, and nothing saved
when the view turns the post down (a 4xx, or the form again with its errors).

The forms are found, not listed: every page of the role x URL matrix is opened
as each role that may see it, and every <form method="post"> on it is posted
again and again with values Hypothesis draws: very long strings, unicode
(right-to-left marks, emoji, NUL and other control characters), numbers out of
any range, impossible dates, wrong types (text for a file, a file for text),
other people's and other organisations' ids, fields left out and fields sent
twice. Each post runs inside a savepoint that is rolled back, so examples never
leak into each other; the examples are derandomised, so CI sees the same ones
every run.
"""

import traceback
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session as DjangoSession
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import resolve
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.test_url_matrix import ROLES, _url, all_url_names, expected_for

pytestmark = pytest.mark.django_db

EXAMPLES_PER_FORM = 4  # drawn by Hypothesis, after one post per kind of hostility
# Values that commonly break web forms, and a few plausible ones to get past the
# first checks.
AWKWARD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m\x07\x08",
    "\r\n\t",
    "\u202egnp.exe",  # right-to-left override
    "مرحبا بالعالم",  # right-to-left script
    "\U0001f600\U0001f9d1\u200d\u2695\ufe0f",  # emoji, a zero-width joiner sequence
    "\ufeff\u200b",  # byte-order mark, zero-width space
    "\uff11\uff12",  # full-width digits
    "\u0663",  # an Arabic-Indic digit
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../../etc/passwd",
    "%00%0d%0a",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "NaN",
    "-Infinity",
    "1e309",
    "-0",
    "0x1F",
    "-1",
    "0",
    str(2**31),
    str(2**63),
    str(-(2**63) - 1),
    str(10**100),
    "0000-00-00",
    "9999-12-31",
    "1900-02-30",
    "0001-01-01",
    "10000-01-01",
    "2024-13-45",
    "31/12/9999",
    "32",
    "13",
    "25:61",
    "24:00",
    "23:59:60",
    "9999-12-31T23:59",
    "A title",
    "2026-06-01",
    "10:00",
    "1",
    "person@example.nhs.uk",
    "https://example.com/",
    "javascript:alert(1)",
]
LONG = st.builds(
    lambda unit, times: unit * times,
    st.sampled_from(["a", "é", "\U0001f600", "\u202e", "\x00", "9", " "]),
    st.integers(10_000, 20_000),
)
UPLOAD_NAMES = [
    "guide.pdf",
    "../../../guide.pdf",
    "a" * 300 + ".pdf",
    "guide\x00.pdf",
    "résumé \u202egnp.docx",
    ".pdf",
    "page.html",
    "setup.exe",
]
UPLOAD_CONTENT = [b"", b"%PDF-1.4 guide", b"<script>alert(1)</script>", bytes(range(256)) * 8]


@dataclass
class Form:
    """A form found on a page: where it posts, and its fields' names and own values."""

    page: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    method: str = "post"

    def add(self, name: str, value: str | None = None):
        values = self.fields.setdefault(name, [])
        if value is not None and value not in values:
            values.append(value)


class FormParser(HTMLParser):
    """Every <form method="post"> of a page (or of the `methods` given), with its
    inputs, selects and textareas."""

    def __init__(self, page: str, methods=("post",)):
        super().__init__()
        self.page = page
        self.methods = methods
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            method = attrs.get("method", "get").lower()
            if method in self.methods:
                action = urljoin(self.page, attrs.get("action"))
                self.form = Form(page=self.page, action=action, method=method)
                self.forms.append(self.form)
            return
        name = attrs.get("name")
        if self.form is None or not name or name == "csrfmiddlewaretoken":
            return
        if tag == "input" and attrs.get("type") == "file":
            self.form.files.add(name)
            self.form.add(name)
        elif tag in ("input", "button"):
            self.form.add(name, attrs.get("value", "on" if attrs.get("type") == "checkbox" else ""))
        elif tag == "textarea":
            self.form.add(name)
        elif tag == "select":
            self.select = name
            self.form.add(name)
        elif tag == "option" and self.select:
            self.form.add(self.select, attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def discover_forms(client, role_users, records, methods=("post",)) -> list[tuple[str, Form]]:
    """(role, form) for every distinct post form (or form of `methods`) on a page some
    role may open."""
    found: dict[tuple[str, str, tuple[str, ...]], tuple[str, Form]] = {}
    for name in all_url_names():
        spec = expected_for(name)
        if spec is None or spec["method"] != "get":
            continue  # not in the matrix yet (its own test fails), or no page to open
        if name.startswith("admin:") and name != "admin:login":
            continue
        page = _url(name, records)
        for role in ROLES:
            if spec["expected"][role] != 200:
                continue
            client.logout()
            if role_users[role] is not None:
                client.force_login(role_users[role])
            response = client.get(page)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/"):
                continue
            parser = FormParser(page, methods)
            parser.feed(response.content.decode())
            for form in parser.forms:
                if urlsplit(form.action).netloc not in ("", "testserver"):
                    continue
                # One form per view and set of fields (not one per question of a list).
                view = resolve(urlsplit(form.action).path).view_name
                key = (view, form.method, tuple(sorted(form.fields)))
                found.setdefault(key, (role, form))
    return sorted(found.values(), key=lambda pair: (pair[1].action, pair[0]))


def stranger_ids(records, other_organisation, outsider) -> list[int]:
    """Ids that are not the poster's to use: another organisation's records, and the
    records of the trust under test (most of which belong to someone else)."""
    from kernel.models import Theme
    from tests.factories import ProgrammeFactory

    theirs = [
        other_organisation,
        outsider,
        outsider.profile,
        outsider.profile.department,
        ProgrammeFactory(organisation=other_organisation),
        Theme.objects.create(organisation=other_organisation, name="Their theme"),
    ]
    ours = [record for record in records.values() if hasattr(record, "pk")]
    return sorted({obj.pk for obj in theirs + ours} | {0, -1, 2**31, 2**63})


@dataclass(frozen=True)
class Upload:
    """A file to post, made afresh for every post (an uploaded file is read once)."""

    name: str
    content: bytes
    content_type: str

    def file(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.name, self.content, self.content_type)


UPLOADS = st.builds(
    Upload,
    name=st.sampled_from(UPLOAD_NAMES),
    content=st.sampled_from(UPLOAD_CONTENT),
    content_type=st.sampled_from(["application/pdf", "text/html", "", "\x00/\x00"]),
)


def field_values(own: list[str], ids: list[int], is_file: bool):
    """What one field is sent: left out, its own value(s), a hostile value, or several."""
    hostile = st.one_of(
        st.sampled_from(AWKWARD),
        st.text(max_size=60),  # any unicode, NUL and control characters included
        LONG,
        st.integers().map(str),
        st.floats().map(repr),
        st.sampled_from(ids).map(str),
        UPLOADS,  # a file where text is expected
    )
    if is_file:
        hostile = st.one_of(UPLOADS, hostile)
    single = st.one_of(st.sampled_from(own), hostile) if own else hostile
    return st.one_of(st.none(), single, st.lists(single, min_size=2, max_size=3))


def form_data(form: Form, ids: list[int]):
    return st.fixed_dictionaries(
        {
            name: field_values(own, ids, name in form.files)
            for name, own in sorted(form.fields.items())
        }
    ).map(lambda data: {name: value for name, value in data.items() if value is not None})


def hostile_examples(form: Form, ids: list[int]) -> list[dict]:
    """One post per kind of hostility, every field at once, so each form meets each
    kind whatever Hypothesis happens to draw."""
    names = sorted(form.fields)

    def each(values):
        return {name: values[i % len(values)] for i, name in enumerate(names)}

    examples = [
        {},  # every field left out
        each(["a" * 10_001, "é" * 10_002, "\U0001f600" * 10_003, "\u202e" * 10_004]),
        each(["\x00", "a\x00b", "\u202egnp.exe \U0001f600", "\x1b\x07\r\n", "\ufeff\u200b"]),
        each([str(2**63), str(-(2**63) - 1), "1e309", "NaN", "-1", str(10**100)]),
        each(["0000-00-00", "9999-12-31", "1900-02-30", "0001-01-01", "25:61", "31/12/9999"]),
        each([str(pk) for pk in ids]),
        # Wrong types: a file for every field (text where a file is expected comes
        # with the others above), and every field sent twice.
        each([Upload("guide.pdf", b"%PDF-1.4", "application/pdf")]),
        {name: [own[0] if own else "1", "\x00"] for name, own in sorted(form.fields.items())},
    ]
    return [data for i, data in enumerate(examples) if data not in examples[:i]]


def database_state() -> dict[str, list[tuple]]:
    """Every row of every table in primary-key order; not the sessions, nor the audit
    trail's record of refused requests (a 403 or 404, a wrong password or two-factor
    code is audited, by design), nor the operators' counters (a refused password is
    counted for /metrics, by design)."""
    from audit.models import AuditEntry
    from audit.presenters import SIGNIN_FAILED, TWO_FACTOR_CODE_WRONG
    from audit.services import ACCESS_DENIED, ACCESS_NOT_FOUND
    from operations.models import Counter as OperatorsCounter

    state = {}
    for model in apps.get_models(include_auto_created=True):
        if model in (DjangoSession, OperatorsCounter) or model._meta.proxy:
            continue
        if not model._meta.managed:
            continue
        rows = model._base_manager.order_by("pk")
        if model is AuditEntry:
            refusals = [ACCESS_DENIED, ACCESS_NOT_FOUND, SIGNIN_FAILED, TWO_FACTOR_CODE_WRONG]
            rows = rows.exclude(action__in=refusals)
        state[model._meta.label] = list(rows.values_list())
    return state


class _RolledBack(Exception):
    """Raised to leave the savepoint of one example, undoing whatever it saved."""


def post_hostile_values(client, user, form: Form, ids: list[int], outcomes: Counter):
    """Post Hypothesis's values to one form; fail on a server error, or on rows that
    changed although the view turned the post down."""

    def post(data):
        try:
            with transaction.atomic():
                # The client raises a view's exception: a server error fails loudly here.
                response = client.post(form.action, with_files(data))
                assert response.status_code < 500, response.status_code
                outcomes["refused" if refused(response) else "accepted"] += 1
                if refused(response):
                    after = database_state()
                    changed = [label for label in before if before[label] != after[label]]
                    assert changed == [], f"answered {response.status_code} but saved to {changed}"
                raise _RolledBack
        except _RolledBack:
            pass
        finally:
            # A post that signed the person out or in again changed the client's
            # cookie to a session the rollback has undone: back to the one before.
            client.cookies = SimpleCookie(cookies)

    for data in hostile_examples(form, ids):
        post = example(data=data)(post)
    post = hypothesis_settings(
        max_examples=EXAMPLES_PER_FORM,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )(given(data=form_data(form, ids))(post))

    client.logout()
    if user is not None:
        client.force_login(user)
    before = database_state()
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    post()


def with_files(data: dict) -> dict:
    def value(item):
        return item.file() if isinstance(item, Upload) else item

    return {
        name: [value(v) for v in item] if isinstance(item, list) else value(item)
        for name, item in data.items()
    }


def refused(response) -> bool:
    """The view turned the post down: a 4xx, or the form again with its errors.

    Anything else (a redirect, a download, a page of results such as the
    journal's printable export) is the view accepting the post, which may save.
    """
    if response.status_code >= 400:
        return True
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return False
    return b'class="nhsuk-error-summary"' in response.content


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Files the records have, and any a post manages to save, go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path


def test_no_form_fails_or_saves_on_hostile_values(
    client, role_users, records, other_organisation, outsider
):
    ids = stranger_ids(records, other_organisation, outsider)
    forms = discover_forms(client, role_users, records)
    assert len(forms) > 50, "the walk found too few forms: has the matrix changed?"
    failures: list[str] = []
    outcomes: Counter[str] = Counter()
    for role, form in forms:
        try:
            post_hostile_values(client, role_users[role], form, ids, outcomes)
        except Exception as error:  # collected, so that one run lists every failure
            # Hypothesis notes the failing example; ten-thousand-character values cut short.
            notes = getattr(error, "__notes__", [])
            error.__notes__ = [note[:2000] + (" ..." if len(note) > 2000 else "") for note in notes]
            failures.append(
                f"POST {form.action} as {role} (form on {form.page}):\n"
                + "".join(traceback.format_exception(error))
            )
    # Most hostile posts are turned down, so the "nothing saved" check has bite.
    assert outcomes["refused"] > outcomes["accepted"], outcomes
    assert not failures, f"{len(failures)} of {len(forms)} forms failed:\n\n" + "\n\n".join(
        failures
    )


def test_an_id_past_any_column_range_matches_nothing_instead_of_failing(organisation):
    """SQLite cannot even compare such a number (OverflowError): a multiple choice
    sent one answered 500 there. Now it is a choice that matches no row."""
    from kernel.models import Theme

    theme = Theme.objects.create(organisation=organisation, name="Workload")
    huge = [2**63, -(2**63) - 1, 10**100]
    assert list(Theme.objects.filter(pk__in=huge)) == []
    assert list(Theme.objects.filter(pk__in=[*huge, theme.pk])) == [theme]
