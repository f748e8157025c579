"""The reflective journal: its author's alone, through every view, for every role."""

import datetime
import re

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEntry
from feedback.journal_templates import NMC_QUESTIONS
from feedback.models import JournalEntry
from feedback.services.journal import journal_entry_create
from supervision.models import Session
from tests.factories import ProgrammeFactory, UserFactory
from tests.pdf_pages import box_beside, pdf_text

pytestmark = pytest.mark.django_db

SECRET = "I froze when the alarm went off on bay four"
TITLE = "The night of the deteriorating patient"
NON_AUTHORS = (
    "supervisor",
    "facilitator",
    "peer_supporter",
    "programme_admin",
    "wellbeing_lead",
    "outsider",
)


@pytest.fixture
def session(organisation, supervisee, supervisor):
    """A one-to-one session the supervisee had with the supervisor."""
    programme = ProgrammeFactory(organisation=organisation, name="Restorative supervision")
    supervisor.first_name, supervisor.last_name = "Hester", "Lanyon-Marsh"  # never shown
    supervisor.save(update_fields=["first_name", "last_name"])
    start = timezone.now() - datetime.timedelta(days=7)
    return Session.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=Session.Status.ATTENDED,
        meeting_link="https://teams.microsoft.com/l/meetup-join/x",
    )


@pytest.fixture
def entry(supervisee, session):
    return journal_entry_create(
        author=supervisee,
        template="gibbs",
        title=TITLE,
        sections={
            "description": SECRET,
            "feelings": "Scared, then calm",
            "analysis": "Escalation worked because the team knew the plan",
            "action_plan": "Practise the escalation drill monthly",
        },
        session_id=session.pk,
        occurred_on=datetime.date(2026, 5, 1),
    )


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True)


def _gibbs_post(**overrides):
    data = {
        "title": "A hard handover",
        "occurred_on": "2026-05-12",
        "section_description": "Handover ran late",
        "section_feelings": "Rushed",
        "section_evaluation": "",
        "section_analysis": "We had no structure",
        "section_conclusion": "Use SBAR",
        "section_action_plan": "Bring SBAR to the next huddle",
        "session": "",
    }
    data.update(overrides)
    return data


def _service_refusal(author, **fields) -> dict:
    """Why the service refuses a short free-text reflection with these fields."""
    with pytest.raises(ValidationError) as refused:
        journal_entry_create(
            author=author, template="free", title="x", sections={"reflection": "y"}, **fields
        )
    return refused.value.message_dict


# --- The author ------------------------------------------------------------------


def test_author_writes_a_gibbs_reflection_linked_to_their_session(client, supervisee, session):
    client.force_login(supervisee)
    form_page = client.get(reverse("feedback:journal_add", args=["gibbs"]))
    assert form_page.status_code == 200
    for label in ("Description", "Feelings", "Evaluation", "Analysis", "Conclusion"):
        assert label in form_page.content.decode()
    # The session is described by its date and programme only: no other person named.
    assert "Restorative supervision" in form_page.content.decode()
    assert escape(session.supervisor.get_full_name()) not in form_page.content.decode()

    response = client.post(
        reverse("feedback:journal_add", args=["gibbs"]), _gibbs_post(session=str(session.pk))
    )

    entry = JournalEntry.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("feedback:journal_entry", args=[entry.pk])
    assert entry.author == supervisee
    assert entry.template == "gibbs"
    assert entry.session_id == session.pk
    assert entry.occurred_on == datetime.date(2026, 5, 12)
    assert entry.sections["action_plan"] == "Bring SBAR to the next huddle"
    assert "evaluation" not in entry.sections  # blank prompts are not stored


def test_author_lists_reads_changes_and_deletes_their_entry(client, supervisee, entry):
    client.force_login(supervisee)
    assert TITLE in client.get(reverse("feedback:journal")).content.decode()
    detail = client.get(reverse("feedback:journal_entry", args=[entry.pk]))
    assert SECRET in detail.content.decode()
    assert "Restorative supervision" in detail.content.decode()

    edit_url = reverse("feedback:journal_edit", args=[entry.pk])
    assert SECRET in client.get(edit_url).content.decode()
    response = client.post(
        edit_url,
        {"title": "Renamed", "section_description": "Shorter", "occurred_on": "", "session": ""},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Renamed"
    assert entry.sections == {"description": "Shorter"}
    assert entry.session_id is None

    response = client.post(reverse("feedback:journal_delete", args=[entry.pk]))
    assert response.status_code == 302
    assert not JournalEntry.objects.exists()


def test_rolfe_and_free_templates_offer_their_own_prompts(client, supervisee):
    client.force_login(supervisee)
    rolfe = client.get(reverse("feedback:journal_add", args=["rolfe"])).content.decode()
    assert "What?" in rolfe
    assert "So what?" in rolfe
    assert "Now what?" in rolfe
    free = client.get(reverse("feedback:journal_add", args=["free"])).content.decode()
    assert 'name="section_reflection"' in free
    assert 'name="section_description"' not in free


def test_an_unknown_template_is_not_found(client, supervisee):
    client.force_login(supervisee)
    response = client.get(reverse("feedback:journal_add", args=["kolb"]))
    assert response.status_code == 404


def test_a_reflection_with_nothing_written_is_refused(client, supervisee):
    client.force_login(supervisee)
    response = client.post(
        reverse("feedback:journal_add", args=["rolfe"]),
        {"title": "Empty", "section_what": "  ", "section_so_what": "", "section_now_what": ""},
    )
    assert response.status_code == 200
    assert "Write something for at least one prompt" in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_linking_a_session_the_author_was_not_in_is_refused(
    client, supervisee, other_supervisee, supervisor, session
):
    client.force_login(other_supervisee)
    response = client.post(
        reverse("feedback:journal_add", args=["gibbs"]), _gibbs_post(session=str(session.pk))
    )
    assert response.status_code == 200
    assert not JournalEntry.objects.exists()

    # Nor as the supervisor: a reflection links to sessions the author received.
    client.force_login(supervisor)
    response = client.post(
        reverse("feedback:journal_add", args=["gibbs"]), _gibbs_post(session=str(session.pk))
    )
    assert response.status_code == 200
    assert not JournalEntry.objects.exists()

    # The service refuses it too, whatever the form.
    assert list(_service_refusal(other_supervisee, session_id=session.pk)) == ["session"]


# --- The themes of the NMC Code ---------------------------------------------------

THEMES = (
    "Prioritise people",
    "Practise effectively",
    "Preserve safety",
    "Promote professionalism and trust",
)


def test_author_records_which_themes_of_the_code_apply(client, supervisee):
    client.force_login(supervisee)
    form_page = client.get(reverse("feedback:journal_add", args=["gibbs"])).content.decode()
    assert "How is this relevant to the Code?" in form_page
    # NHS.UK checkboxes, one for each theme.
    assert form_page.count('class="nhsuk-checkboxes__input"') == 4
    for theme in THEMES:
        assert theme in form_page

    response = client.post(
        reverse("feedback:journal_add", args=["gibbs"]),
        _gibbs_post(code_themes=["preserve_safety", "prioritise_people"]),
    )

    entry = JournalEntry.objects.get()
    assert response.status_code == 302
    assert entry.code_themes == ["prioritise_people", "preserve_safety"]  # the Code's order
    detail = client.get(reverse("feedback:journal_entry", args=[entry.pk])).content.decode()
    assert "Prioritise people, Preserve safety" in detail
    edit_url = reverse("feedback:journal_edit", args=[entry.pk])
    edit = client.get(edit_url).content.decode()
    assert 'value="prioritise_people" checked' in edit
    assert 'value="preserve_safety" checked' in edit
    assert 'value="practise_effectively" checked' not in edit

    # Unticking them all (a browser sends nothing for unticked boxes) clears them.
    client.post(edit_url, _gibbs_post())
    entry.refresh_from_db()
    assert entry.code_themes == []


def test_an_unknown_theme_is_refused_by_the_form_and_the_service(client, supervisee):
    client.force_login(supervisee)
    response = client.post(
        reverse("feedback:journal_add", args=["gibbs"]), _gibbs_post(code_themes=["be_kind"])
    )
    assert response.status_code == 200
    assert "Select the themes of the Code from the list" in response.content.decode()
    assert not JournalEntry.objects.exists()
    assert _service_refusal(supervisee, code_themes=["preserve_safety", "be_kind"]) == {
        "code_themes": ["Select the themes of the Code from the list"]
    }
    assert not JournalEntry.objects.exists()


def test_the_service_keeps_each_theme_once_in_the_codes_order(supervisee):
    entry = journal_entry_create(
        author=supervisee,
        template="free",
        title="x",
        sections={"reflection": "y"},
        code_themes=["promote_professionalism", "practise_effectively", "promote_professionalism"],
    )
    entry.refresh_from_db()
    assert entry.code_themes == ["practise_effectively", "promote_professionalism"]


def _nmc_pin(user, pin="12A3456B"):
    user.nmc_pin = pin
    user.save(update_fields=["nmc_pin"])


def _pdf_of(client, user, entry) -> bytes:
    client.force_login(user)
    response = client.post(reverse("feedback:journal_export_pdf"), {"ids": [entry.pk]})
    assert response.status_code == 200
    return response.content


def test_pdf_ticks_the_chosen_themes_and_prints_empty_boxes_for_the_rest(client, supervisee, entry):
    entry.code_themes = ["practise_effectively", "preserve_safety"]
    entry.save(update_fields=["code_themes"])
    pdf = _pdf_of(client, supervisee, entry)

    # As printed: drawn boxes, not a character the font lacks (which prints filled).
    assert [box_beside(pdf, theme) for theme in THEMES] == ["empty", "ticked", "ticked", "empty"]
    text = pdf_text(pdf)
    for glyph in ("\u2610", "\u2611", "\u2612", "\u25a0", "\u25a1"):
        assert glyph not in text
    for theme in THEMES:
        assert theme in text


def test_pdf_of_an_entry_with_no_themes_prints_four_empty_boxes(client, supervisee, entry):
    pdf = _pdf_of(client, supervisee, entry)
    assert [box_beside(pdf, theme) for theme in THEMES] == ["empty"] * 4


def test_pdf_and_printable_page_print_the_authors_nmc_pin(client, supervisee, entry):
    pdf = _pdf_of(client, supervisee, entry)
    assert re.search(r"NMC Pin\s*\n", pdf_text(pdf))  # blank until the author adds it

    _nmc_pin(supervisee)
    pdf = _pdf_of(client, supervisee, entry)
    assert re.search(r"NMC Pin\s+12A3456B", pdf_text(pdf))
    page = client.post(reverse("feedback:journal_export"), {"ids": [entry.pk]}).content.decode()
    assert "12A3456B" in page
    assert page.index("NMC Pin") < page.index("12A3456B") < page.index("Date")


def test_printable_page_marks_the_chosen_themes(client, supervisee, entry):
    entry.code_themes = ["prioritise_people"]
    entry.save(update_fields=["code_themes"])
    client.force_login(supervisee)
    page = client.post(reverse("feedback:journal_export"), {"ids": [entry.pk]}).content.decode()
    assert page.count('class="journal-box journal-box--ticked"') == 1
    assert page.count('class="journal-box"') == 3
    ticked = page.index("journal-box--ticked")
    assert page.index("Prioritise people", ticked) < page.index("Practise effectively", ticked)
    assert page.count(": applies") == 1
    assert page.count(": does not apply") == 3


def test_export_page_offers_to_add_or_change_the_nmc_pin(client, supervisee):
    client.force_login(supervisee)
    url = reverse("feedback:journal_export")
    assert "Add your NMC PIN" in client.get(url).content.decode()
    _nmc_pin(supervisee)
    page = client.get(url).content.decode()
    assert "Your NMC PIN, 12A3456B, is printed on each account." in page
    assert f'href="{reverse("accounts:nmc_pin")}"' in page


# --- Linking a session: not a cancelled one ------------------------------------------


def _cancel(session):
    session.status = Session.Status.CANCELLED
    session.cancelled_at = timezone.now()
    session.save(update_fields=["status", "cancelled_at"])


@pytest.fixture
def cancelled_session(session):
    """Another session of the same pair, a week earlier, that was cancelled."""
    start = session.starts_at - datetime.timedelta(days=7)
    return Session.objects.create(
        programme=session.programme,
        supervisor=session.supervisor,
        supervisee=session.supervisee,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=Session.Status.CANCELLED,
        cancelled_at=start - datetime.timedelta(days=1),
    )


def test_a_cancelled_session_is_not_offered_or_accepted_as_a_link(
    client, supervisee, session, cancelled_session
):
    client.force_login(supervisee)
    form_page = client.get(reverse("feedback:journal_add", args=["gibbs"])).content.decode()
    assert f'value="{session.pk}"' in form_page
    assert f'value="{cancelled_session.pk}"' not in form_page
    assert "(cancelled)" not in form_page

    response = client.post(
        reverse("feedback:journal_add", args=["gibbs"]),
        _gibbs_post(session=str(cancelled_session.pk)),
    )
    assert response.status_code == 200
    assert not JournalEntry.objects.exists()
    assert list(_service_refusal(supervisee, session_id=cancelled_session.pk)) == ["session"]


def test_an_entry_keeps_its_link_to_a_session_cancelled_since_marked_as_cancelled(
    client, supervisee, entry, session, cancelled_session
):
    _cancel(session)  # the entry's own session, cancelled after it was written
    client.force_login(supervisee)
    detail = client.get(reverse("feedback:journal_entry", args=[entry.pk])).content.decode()
    assert "Restorative supervision (cancelled)" in detail

    edit_url = reverse("feedback:journal_edit", args=[entry.pk])
    edit = client.get(edit_url).content.decode()
    assert f'value="{session.pk}" selected' in edit
    assert "(cancelled)" in edit
    assert f'value="{cancelled_session.pk}"' not in edit  # other cancelled ones stay out

    # Saving keeps the link...
    response = client.post(edit_url, _gibbs_post(session=str(session.pk)))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.session_id == session.pk
    # ...but it cannot be moved to another cancelled session.
    response = client.post(edit_url, _gibbs_post(session=str(cancelled_session.pk)))
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.session_id == session.pk
    # Once let go, the cancelled session is not offered again.
    client.post(edit_url, _gibbs_post(session=""))
    entry.refresh_from_db()
    assert entry.session_id is None
    assert f'value="{session.pk}"' not in client.get(edit_url).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"title": "x" * 500, "section_description": "a"},
        {"title": "t", "section_description": "a", "occurred_on": "31/02/2026"},
        {"title": "t", "section_description": "a", "session": "not-a-number"},
        {"title": "t", "section_description": "a", "session": "99999999999999999999999"},
        {"title": "t\x00", "section_description": "a\x00"},
        {"title": "t", "section_description": "<script>alert(1)</script>", "session": "-1"},
    ],
)
def test_odd_input_is_refused_without_an_error_page(client, supervisee, data):
    client.force_login(supervisee)
    response = client.post(reverse("feedback:journal_add", args=["gibbs"]), data)
    assert response.status_code in (200, 302)


def test_audit_trail_names_entries_by_id_only(client, supervisee, entry):
    client.force_login(supervisee)
    client.post(
        reverse("feedback:journal_edit", args=[entry.pk]),
        {"title": TITLE, "section_description": SECRET},
    )
    client.get(reverse("feedback:journal_export"), {"ids": [entry.pk]})
    client.post(reverse("feedback:journal_delete", args=[entry.pk]))

    audit = AuditEntry.objects.filter(target_type="feedback.journalentry").order_by("pk")
    assert [a.action for a in audit] == [
        "journal.entry_created",
        "journal.entry_updated",
        "journal.entry_exported",
        "journal.entry_deleted",
    ]
    for record in audit:
        assert record.target_id == str(entry.pk)
        assert record.details == {"entry_id": entry.pk}
        flat = f"{record.summary} {record.details}"
        assert SECRET not in flat
        assert TITLE not in flat


def test_journal_list_runs_the_same_queries_for_one_or_twenty_entries(
    client, supervisee, django_assert_num_queries
):
    client.force_login(supervisee)
    url = reverse("feedback:journal")

    def write(number):
        JournalEntry.objects.create(
            author=supervisee,
            template="free",
            title=f"Entry {number}",
            sections={"reflection": "x"},
        )

    write(0)
    # session, user with profile and roles (the header), the entries.
    with django_assert_num_queries(4):
        client.get(url)
    for number in range(1, 20):
        write(number)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.content.decode().count("Entry ") == 20


# --- Everybody else --------------------------------------------------------------


def _journal_requests(entry):
    detail = reverse("feedback:journal_entry", args=[entry.pk])
    edit = reverse("feedback:journal_edit", args=[entry.pk])
    return [
        ("get", detail, {}),
        ("get", edit, {}),
        ("post", edit, {"title": "Hijacked", "section_description": "Hijacked"}),
        ("post", reverse("feedback:journal_delete", args=[entry.pk]), {}),
        ("get", reverse("feedback:journal_export"), {"ids": [entry.pk]}),
        ("post", reverse("feedback:journal_export"), {"ids": [entry.pk]}),
        ("get", reverse("feedback:journal_export_pdf"), {"ids": [entry.pk]}),
        ("post", reverse("feedback:journal_export_pdf"), {"ids": [entry.pk]}),
    ]


def _assert_nobody_else_gets_in(client, user, entry):
    client.force_login(user)
    for method, url, data in _journal_requests(entry):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
        assert SECRET.encode() not in response.content
        assert TITLE.encode() not in response.content
    # Their own journal and export page list nothing of the author's.
    for url in (reverse("feedback:journal"), reverse("feedback:journal_export")):
        response = client.get(url)
        assert response.status_code == 200
        assert TITLE not in response.content.decode()
    entry.refresh_from_db()
    assert entry.title == TITLE
    assert entry.sections["description"] == SECRET


@pytest.mark.parametrize("role", NON_AUTHORS)
def test_no_other_role_can_reach_an_entry(client, role_users, entry, role):
    # The supervisor is the other person in the linked session, and still cannot read it.
    _assert_nobody_else_gets_in(client, role_users[role], entry)


def test_a_superuser_cannot_reach_an_entry(client, superuser, entry):
    _assert_nobody_else_gets_in(client, superuser, entry)


def test_signed_out_visitors_are_sent_to_sign_in(client, entry):
    for method, url, data in _journal_requests(entry):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert "/accounts/" in response.url
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


def test_journal_entries_are_not_in_the_django_admin(client, superuser, entry):
    assert JournalEntry not in admin.site._registry
    client.force_login(superuser)
    index = client.get("/django-admin/")
    assert index.status_code == 200
    assert SECRET not in index.content.decode()
    assert TITLE not in index.content.decode()
    assert client.get("/django-admin/feedback/journalentry/").status_code == 404
    assert client.get(f"/django-admin/feedback/journalentry/{entry.pk}/change/").status_code == 404
    # Nor does the text surface through any registered model's list (the audit log included).
    for model in admin.site._registry:
        opts = model._meta
        response = client.get(f"/django-admin/{opts.app_label}/{opts.model_name}/")
        assert response.status_code == 200, opts.label
        assert SECRET not in response.content.decode(), opts.label
        assert TITLE not in response.content.decode(), opts.label


# --- Export ------------------------------------------------------------------------


def test_export_page_lists_the_authors_entries_to_choose(client, supervisee, entry):
    client.force_login(supervisee)
    response = client.get(reverse("feedback:journal_export"))
    assert response.status_code == 200
    assert f'value="{entry.pk}"' in response.content.decode()
    assert TITLE in response.content.decode()


def test_printable_export_takes_the_shape_of_the_nmc_reflective_account(client, supervisee, entry):
    client.force_login(supervisee)
    response = client.post(reverse("feedback:journal_export"), {"ids": [entry.pk]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert page.count("<h1") == 1
    for _key, question in NMC_QUESTIONS:
        assert str(question) in page
    assert "identify a specific patient, service user or colleague" in page
    # Gibbs: the description answers "nature", the analysis "learned", the plan "change".
    nature = page.index("What was the nature")
    learned = page.index("What did you learn")
    change = page.index("How did you change")
    code = page.index("How is this relevant to the Code")
    assert nature < page.index(SECRET) < learned
    assert learned < page.index("Escalation worked") < change
    assert change < page.index("Practise the escalation drill monthly") < code
    # The supervisor of the linked session is not named.
    assert escape(entry.author.get_full_name()) in page
    assert escape(Session.objects.get().supervisor.get_full_name()) not in page


def test_rolfe_sections_map_onto_the_nmc_questions(client, supervisee):
    entry = journal_entry_create(
        author=supervisee,
        template="rolfe",
        title="Rolfe",
        sections={"what": "WHAT-TEXT", "so_what": "SO-WHAT-TEXT", "now_what": "NOW-WHAT-TEXT"},
    )
    client.force_login(supervisee)
    page = client.get(reverse("feedback:journal_export"), {"ids": entry.pk}).content.decode()
    assert page.index("What was the nature") < page.index("WHAT-TEXT")
    assert page.index("What did you learn") < page.index("SO-WHAT-TEXT")
    assert page.index("How did you change") < page.index("NOW-WHAT-TEXT")


def test_pdf_is_a_reflective_accounts_form_of_the_authors_entries_only(
    client, supervisee, other_supervisee, entry
):
    other_supervisee.last_name = "Quillfeather"  # a name the author's cannot share by chance
    other_supervisee.save(update_fields=["last_name"])
    theirs = journal_entry_create(
        author=other_supervisee,
        template="free",
        title="SOMEONE-ELSES-TITLE",
        sections={"reflection": "SOMEONE-ELSES-TEXT"},
    )
    client.force_login(supervisee)
    response = client.get(
        reverse("feedback:journal_export_pdf"), {"ids": [entry.pk, theirs.pk, "junk", "-3"]}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert b"Reflective accounts form" in pdf
    assert b"Practise the escalation drill monthly" in pdf
    assert b"SOMEONE-ELSES" not in pdf
    assert b"Quillfeather" not in pdf


@pytest.mark.parametrize(
    "ids",
    [["abc"], ["-1"], ["0"], ["99999999999999999999999999"], ["1e5"], [""], ["\u0661"]],
)
def test_export_of_nothing_of_ones_own_is_not_found(client, supervisee, entry, ids):
    client.force_login(supervisee)
    for name in ("feedback:journal_export", "feedback:journal_export_pdf"):
        assert client.get(reverse(name), {"ids": ids}).status_code == 404


def test_pdf_survives_markup_and_characters_outside_latin_1(client, supervisee):
    entry = journal_entry_create(
        author=supervisee,
        template="free",
        title="<b>Bold</b> & <para>",
        sections={"reflection": "</para><font name='x'>日本語 😀\r\nNew line & more"},
    )
    client.force_login(supervisee)
    response = client.post(reverse("feedback:journal_export_pdf"), {"ids": [entry.pk]})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_pdf_with_nothing_chosen_goes_back_to_choosing(client, supervisee):
    client.force_login(supervisee)
    response = client.post(reverse("feedback:journal_export_pdf"))
    assert response.status_code == 302
    assert response.url == reverse("feedback:journal_export")


# --- Every journal URL, as every role, pointing at the supervisee's own entry ---------

LOGIN = "login"
ROLES = ("anonymous", "supervisee", *NON_AUTHORS)


def _matrix_rule(author, others, anonymous=LOGIN):
    return {"anonymous": anonymous, "supervisee": author, **dict.fromkeys(NON_AUTHORS, others)}


# (method, URL name, arguments, ids in the query): statuses. The supervisee is the author.
JOURNAL_MATRIX = [
    # Everyone has a journal of their own: these pages show only the visitor's own.
    ("get", "feedback:journal", (), False, _matrix_rule(200, 200)),
    ("get", "feedback:journal_add", ("gibbs",), False, _matrix_rule(200, 200)),
    ("get", "feedback:journal_export", (), False, _matrix_rule(200, 200)),
    ("get", "feedback:journal_export_pdf", (), False, _matrix_rule(302, 302)),
    # The supervisee's entry: nobody else learns it exists.
    ("get", "feedback:journal_entry", ("pk",), False, _matrix_rule(200, 404)),
    ("get", "feedback:journal_edit", ("pk",), False, _matrix_rule(200, 404)),
    ("post", "feedback:journal_delete", ("pk",), False, _matrix_rule(302, 404)),
    ("get", "feedback:journal_delete", ("pk",), False, _matrix_rule(405, 405)),
    ("get", "feedback:journal_export", (), True, _matrix_rule(200, 404)),
    ("get", "feedback:journal_export_pdf", (), True, _matrix_rule(200, 404)),
]


def _outcome(response):
    if response.status_code == 302 and "/accounts/login/" in response.url:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize(
    ("method", "name", "args", "with_ids", "expected"),
    JOURNAL_MATRIX,
    ids=[f"{m}-{n}-{'ids' if q else ''}" for m, n, _a, q, _e in JOURNAL_MATRIX],
)
@pytest.mark.parametrize("role", ROLES)
def test_journal_url_answers_each_role_as_expected(
    client, role_users, entry, method, name, args, with_ids, expected, role
):
    url = reverse(name, args=[entry.pk if a == "pk" else a for a in args])
    if with_ids:
        url = f"{url}?ids={entry.pk}"
    if role_users[role] is not None:
        client.force_login(role_users[role])
    response = getattr(client, method)(url)
    assert _outcome(response) == expected[role]
    if role != "supervisee":
        assert SECRET.encode() not in response.content
