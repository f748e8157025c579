"""Every named URL, walked as every kind of user, answers the status we expect.

A URL that is not in MATRIX fails `test_every_url_is_in_the_matrix`, so a new
view cannot ship without an explicit decision about who may reach it.
Statuses: 200 shown, 302 redirected (LOGIN: to the sign-in page), 403 in scope
but not allowed, 404 out of scope (another organisation's record), 405 wrong
method.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = (
    "anonymous",
    "supervisee",
    "supervisor",
    "facilitator",
    "peer_supporter",
    "programme_admin",
    "wellbeing_lead",
    "outsider",
)
SIGNED_IN = ROLES[1:]
LOGIN = "login"  # 302 to the sign-in page
ADMIN_LOGIN = "admin-login"  # 302 to the Django admin's sign-in page


def rule(anonymous=LOGIN, signed_in=200, method="get", **overrides):
    expected = {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, signed_in)}
    expected.update(overrides)
    return {"method": method, "expected": expected}


ADMIN_ONLY = {"programme_admin": 200, "outsider": 200}
ADMIN_OBJECT = {"programme_admin": 200, "outsider": 404}
# The supervisor's own set-up; the outsider is an admin elsewhere, not a supervisor.
SUPERVISOR_ONLY = {"supervisor": 200}
# A record of the supervisee and supervisor only: nobody else learns it exists.
PAIR_ONLY = {"supervisee": 200, "supervisor": 200}

MATRIX = {
    "healthz": rule(anonymous=200),
    # Public, and the same for everyone: in this test world beat's heartbeat has
    # never run, so not ready (tests/operations/test_readiness.py passes every check).
    "readyz": rule(anonymous=503, signed_in=503),
    # Operators only (a bearer token or a superuser: tests/operations/test_metrics.py).
    "metrics": rule(anonymous=404, signed_in=404),
    # Ours: supervision
    "supervision:home": rule(),
    "supervision:people": rule(signed_in=403, **ADMIN_ONLY),
    "supervision:person_add": rule(signed_in=403, **ADMIN_ONLY),
    "supervision:person": rule(signed_in=403, **ADMIN_OBJECT),
    "supervision:person_edit": rule(signed_in=403, **ADMIN_OBJECT),
    "supervision:person_roles": rule(signed_in=403, **ADMIN_OBJECT),
    "supervision:person_deactivate": rule(signed_in=403, **ADMIN_OBJECT),
    "supervision:person_reactivate": rule(
        method="post", signed_in=403, programme_admin=302, outsider=404
    ),
    "supervision:person_invite": rule(
        method="post", signed_in=403, programme_admin=302, outsider=404
    ),
    # Choosing a line manager: a search of the person's organisation (issue 18)
    "supervision:person_line_manager": rule(signed_in=403, **ADMIN_OBJECT),
    # Staff from ESR: each admin imports into their own organisation; another's
    # import answers 404 (issue 18)
    "supervision:staff_import": rule(signed_in=403, **ADMIN_ONLY),
    "supervision:staff_import_columns": rule(signed_in=403, **ADMIN_ONLY),
    "supervision:staff_import_detail": rule(signed_in=403, **ADMIN_OBJECT),
    "supervision:staff_import_download": rule(signed_in=403, **ADMIN_OBJECT),
    "supervision:staff_import_apply": rule(
        method="post", signed_in=403, programme_admin=302, outsider=404
    ),
    "supervision:departments": rule(signed_in=403, **ADMIN_ONLY),
    "supervision:department_add": rule(signed_in=403, **ADMIN_ONLY),
    "supervision:department_edit": rule(signed_in=403, **ADMIN_OBJECT),
    # Programme admins: programmes, allowances, themes
    "supervision:manage_programmes": rule(signed_in=403, **ADMIN_ONLY),
    "supervision:manage_programme_add": rule(signed_in=403, **ADMIN_ONLY),
    "supervision:manage_programme_edit": rule(signed_in=403, **ADMIN_OBJECT),
    "supervision:manage_programme_extra": rule(signed_in=403, **ADMIN_OBJECT),
    # Revoking extra sessions granted in the trust's programme (issue 18)
    "supervision:manage_extra_revoke": rule(signed_in=403, **ADMIN_OBJECT),
    "supervision:manage_themes": rule(signed_in=403, **ADMIN_ONLY),
    # Default minimum frequency per profession (issue 18); an empty post shows its errors
    "supervision:manage_standards": rule(signed_in=403, **ADMIN_ONLY),
    "supervision:manage_theme_toggle": rule(
        method="post", signed_in=403, programme_admin=302, outsider=404
    ),
    # Staff: programmes, the supervisor directory, agreements, booking
    "supervision:programmes": rule(),
    "supervision:supervisors": rule(),
    "supervision:supervisor": rule(outsider=404),
    # Asking again, or when not eligible, explains why on the supervisor's page.
    "supervision:supervisor_request": rule(method="post", signed_in=302, outsider=404),
    # The demo programme needs an agreement first.
    "supervision:first_session_book": rule(signed_in=403, outsider=404),
    "supervision:agreements": rule(),
    "supervision:agreement": rule(signed_in=404, **PAIR_ONLY),
    "supervision:agreement_edit": rule(signed_in=404, supervisor=200, supervisee=403),
    "supervision:agreement_accept": rule(
        method="post", signed_in=404, supervisor=302, supervisee=302
    ),
    "supervision:agreement_end": rule(signed_in=404, **PAIR_ONLY),
    "supervision:agreement_book": rule(signed_in=404, supervisee=200, supervisor=403),
    # Sessions
    "supervision:sessions": rule(),
    "supervision:sessions_unlogged": rule(signed_in=403, **SUPERVISOR_ONLY),
    "supervision:session": rule(signed_in=404, **PAIR_ONLY),
    "supervision:session_ics": rule(signed_in=404, **PAIR_ONLY),
    "supervision:session_reschedule": rule(signed_in=404, **PAIR_ONLY),
    "supervision:session_cancel": rule(signed_in=404, **PAIR_ONLY),
    "supervision:session_log": rule(signed_in=404, supervisor=200, supervisee=403),
    "supervision:session_confirm": rule(signed_in=404, supervisee=200, supervisor=403),
    # Trying a failed Teams meeting again: the supervisor's (refused in words when
    # there is nothing to retry, as here: back to the session with a message).
    "supervision:session_teams_retry": rule(
        method="post", signed_in=404, supervisor=302, supervisee=403
    ),
    # Supervisors' own set-up
    "supervision:supervisor_profile": rule(signed_in=403, **SUPERVISOR_ONLY),
    "supervision:supervisor_training_add": rule(signed_in=403, **SUPERVISOR_ONLY),
    "supervision:supervisor_training_delete": rule(method="post", signed_in=403, supervisor=302),
    "supervision:availability": rule(signed_in=403, **SUPERVISOR_ONLY),
    "supervision:availability_slot_add": rule(signed_in=403, **SUPERVISOR_ONLY),
    "supervision:availability_weekly_add": rule(signed_in=403, **SUPERVISOR_ONLY),
    "supervision:availability_exception_add": rule(signed_in=403, **SUPERVISOR_ONLY),
    "supervision:availability_delete": rule(method="post", signed_in=403, supervisor=302),
    # Groups: the facilitator runs this group; the others are not members of it
    "peergroups:groups": rule(),
    "peergroups:group_add": rule(signed_in=403, **ADMIN_ONLY),
    "peergroups:group": rule(outsider=404),
    "peergroups:group_edit": rule(signed_in=403, programme_admin=200, outsider=404),
    # Closing a group: its host's programme admins, like changing it (issue 16)
    "peergroups:group_close": rule(signed_in=403, programme_admin=200, outsider=404),
    # Closed groups one may still open, and past meetings to complete: one's own
    "peergroups:groups_closed": rule(),
    "peergroups:meetings_to_complete": rule(),
    "peergroups:group_join": rule(method="post", signed_in=302, outsider=404),
    "peergroups:group_leave": rule(signed_in=403, outsider=404),
    "peergroups:group_offer": rule(signed_in=403, outsider=404),
    "peergroups:member_accept": rule(
        method="post", signed_in=403, facilitator=302, programme_admin=302, outsider=404
    ),
    "peergroups:member_remove": rule(
        signed_in=403, facilitator=200, programme_admin=200, outsider=404
    ),
    "peergroups:member_add": rule(
        signed_in=403, facilitator=200, programme_admin=200, outsider=404
    ),
    "peergroups:session": rule(signed_in=404, facilitator=200, programme_admin=200),
    "peergroups:session_ics": rule(signed_in=404, facilitator=200, programme_admin=200),
    # The register and record are the facilitators' (a meeting that has happened).
    "peergroups:session_register": rule(signed_in=404, facilitator=200, programme_admin=403),
    "peergroups:session_record": rule(signed_in=404, facilitator=200, programme_admin=403),
    "peergroups:session_move": rule(signed_in=404, facilitator=200, programme_admin=403),
    "peergroups:session_cancel": rule(signed_in=404, facilitator=200, programme_admin=403),
    "peergroups:session_teams_retry": rule(
        method="post", signed_in=404, facilitator=302, programme_admin=403
    ),
    # Themes for the organisation: a meeting's are its facilitators' alone until released;
    # released ones are read by the organisation's wellbeing leads and programme admins.
    "peergroups:meeting_themes": rule(signed_in=404, facilitator=200, programme_admin=403),
    "peergroups:theme_edit": rule(signed_in=404, facilitator=200),
    "peergroups:theme_release": rule(signed_in=404, facilitator=200),
    "peergroups:theme_withdraw": rule(signed_in=404, facilitator=200),
    "peergroups:themes": rule(signed_in=403, wellbeing_lead=200, **ADMIN_ONLY),
    # Facilitators from outside the organisation: its programme admins invite them
    "peergroups:external_facilitators": rule(signed_in=403, **ADMIN_ONLY),
    "peergroups:external_facilitator_end": rule(
        method="post", signed_in=403, programme_admin=302, outsider=404
    ),
    # Peer support: a request by the supervisee, assigned to the peer supporter;
    # the coordinator (programme admin) sees its status and dates only.
    "peergroups:support_requests": rule(),
    "peergroups:support_request_add": rule(),
    "peergroups:support_request": rule(
        signed_in=404, supervisee=200, peer_supporter=200, programme_admin=200
    ),
    "peergroups:support_assign": rule(
        signed_in=404, supervisee=403, peer_supporter=403, programme_admin=200
    ),
    "peergroups:support_checkin": rule(
        signed_in=404, supervisee=403, peer_supporter=200, programme_admin=403
    ),
    "peergroups:support_close": rule(
        signed_in=404, supervisee=403, peer_supporter=200, programme_admin=403
    ),
    # The supporter records first contact, steps back, or raises a safety worry;
    # the requester withdraws or changes how to be contacted.
    "peergroups:support_first_contact": rule(
        signed_in=404, supervisee=403, peer_supporter=200, programme_admin=403
    ),
    "peergroups:support_hand_back": rule(
        signed_in=404, supervisee=403, peer_supporter=200, programme_admin=403
    ),
    "peergroups:support_safety": rule(
        signed_in=404, supervisee=403, peer_supporter=200, programme_admin=403
    ),
    "peergroups:support_withdraw": rule(
        signed_in=404, supervisee=200, peer_supporter=403, programme_admin=403
    ),
    "peergroups:support_contact": rule(
        signed_in=404, supervisee=200, peer_supporter=403, programme_admin=403
    ),
    # Whom to contact about someone's safety: a page of the supporter's own.
    "peergroups:supporter_safety": rule(signed_in=403, peer_supporter=200),
    # Urgent-help contacts and the first-contact deadline: each admin their own trust's.
    "peergroups:support_settings": rule(signed_in=403, **ADMIN_ONLY),
    "peergroups:supporter_profile": rule(signed_in=403, peer_supporter=200),
    # The resource library: curated by programme admins, read by all staff
    "peergroups:resources": rule(),
    "peergroups:resource_add": rule(signed_in=403, **ADMIN_ONLY),
    "peergroups:resource_edit": rule(signed_in=403, **ADMIN_OBJECT),
    "peergroups:resource_delete": rule(signed_in=403, **ADMIN_OBJECT),
    "peergroups:resource_file": rule(outsider=404),
    # The learning community: its member organisations' supporters and coordinators only
    "peergroups:community": rule(signed_in=404, peer_supporter=200, programme_admin=200),
    "peergroups:community_threads": rule(signed_in=404, peer_supporter=200, programme_admin=200),
    "peergroups:community_thread_add": rule(signed_in=404, peer_supporter=200, programme_admin=200),
    "peergroups:community_thread": rule(signed_in=404, peer_supporter=200, programme_admin=200),
    # Moderating: the community's coordinators (the trust's programme admin) only
    "peergroups:community_thread_hide": rule(
        signed_in=404, peer_supporter=403, programme_admin=200
    ),
    "peergroups:community_reply_hide": rule(signed_in=404, peer_supporter=403, programme_admin=200),
    # Session feedback: the participant's own; aggregates for those who ran sessions
    "feedback:give_session": rule(signed_in=404, supervisee=200, supervisor=403),
    "feedback:give_meeting": rule(signed_in=404, supervisee=200, facilitator=403),
    "feedback:summary": rule(signed_in=403, supervisor=200, facilitator=200),
    "feedback:questions": rule(signed_in=403, programme_admin=200, outsider=404),
    "feedback:question_edit": rule(signed_in=403, programme_admin=200, outsider=404),
    "feedback:question_move": rule(method="post", signed_in=403, programme_admin=302, outsider=404),
    "feedback:question_retire": rule(
        method="post", signed_in=403, programme_admin=302, outsider=404
    ),
    # The reflective journal: its author's alone; everyone else, superusers too, 404
    "feedback:journal": rule(),
    "feedback:journal_add": rule(),
    "feedback:journal_entry": rule(signed_in=404, supervisee=200),
    "feedback:journal_edit": rule(signed_in=404, supervisee=200),
    "feedback:journal_delete": rule(method="post", signed_in=404, supervisee=302),
    # Without entries chosen: the choice page, and the PDF sends you back to it.
    "feedback:journal_export": rule(),
    "feedback:journal_export_pdf": rule(signed_in=302),
    # Wellbeing: one's own check-ins only (no URL names anyone else's)
    "feedback:wellbeing": rule(),
    "feedback:wellbeing_checkin": rule(),
    # A programme's wellbeing measure: those taking part answer (their own); admins set it
    # up; leads see its change only as protected aggregates
    "feedback:wellbeing_measure": rule(signed_in=404, supervisee=200),
    "feedback:measure_setup": rule(signed_in=403, programme_admin=200, outsider=404),
    "feedback:wellbeing_impact": rule(signed_in=403, wellbeing_lead=200, **ADMIN_ONLY),
    # Improvement ideas: the author's department and programme admins
    "feedback:ideas": rule(),
    "feedback:idea_add": rule(),
    "feedback:idea": rule(signed_in=404, supervisee=200, programme_admin=200),
    "feedback:idea_edit": rule(signed_in=404, supervisee=200, programme_admin=200),
    # Notifications: one's own list and choices; failed sends for programme admins
    "notifications:list": rule(),
    "notifications:preferences": rule(),
    "notifications:failed": rule(signed_in=403, **ADMIN_ONLY),
    # Engagement reports: wellbeing leads and programme admins (each their own
    # organisation's); per-person compliance for programme admins only
    "reports:engagement": rule(signed_in=403, wellbeing_lead=200, **ADMIN_ONLY),
    "reports:summary": rule(signed_in=403, wellbeing_lead=200, **ADMIN_ONLY),
    "reports:export": rule(signed_in=403, wellbeing_lead=200, **ADMIN_ONLY),
    "reports:targets": rule(signed_in=403, wellbeing_lead=200, **ADMIN_ONLY),
    "reports:compliance": rule(signed_in=403, **ADMIN_ONLY),
    "reports:compliance_export": rule(signed_in=403, **ADMIN_ONLY),
    # Nudging people due or overdue (issue 18): nobody ticked goes back with a message
    "reports:compliance_nudge": rule(
        method="post", signed_in=403, programme_admin=302, outsider=302
    ),
    # The audit log: programme admins, entries of their own organisations only
    "audit:log": rule(signed_in=403, **ADMIN_ONLY),
    # SCIM provisioning (issue 18): each admin switches on and makes the token of
    # their own organisation; the token is shown in the answer to the post, once.
    "provisioning:settings": rule(signed_in=403, **ADMIN_ONLY),
    "provisioning:token_create": rule(
        method="post", signed_in=403, programme_admin=200, outsider=200
    ),
    "provisioning:token_revoke": rule(
        method="post", signed_in=403, programme_admin=302, outsider=302
    ),
    # The SCIM endpoints take an organisation's bearer token, never a session:
    # 401 for everyone here (tests/provisioning/ has the token's own matrix).
    "provisioning:scim_service_provider_config": rule(anonymous=401, signed_in=401),
    "provisioning:scim_resource_types": rule(anonymous=401, signed_in=401),
    "provisioning:scim_schemas": rule(anonymous=401, signed_in=401),
    "provisioning:scim_users": rule(anonymous=401, signed_in=401),
    "provisioning:scim_user": rule(anonymous=401, signed_in=401),
    "provisioning:scim_groups": rule(anonymous=401, signed_in=401),
    "provisioning:scim_group": rule(anonymous=401, signed_in=401),
    "audit:export": rule(signed_in=403, **ADMIN_ONLY),
    # Ours: accounts (a made-up token: the page explains the link does not work)
    "accounts:invitation_accept": rule(anonymous=200),
    # One's own data: the page explaining the download, for everyone signed in
    "accounts:data_export": rule(),
    "accounts:nmc_pin": rule(),
    # allauth: signed-in people are sent on from the entrance pages
    "account_login": rule(anonymous=200, signed_in=302),
    "account_logout": rule(anonymous=302),
    "account_inactive": rule(anonymous=200),
    "account_signup": rule(anonymous=200, signed_in=302),
    "account_reauthenticate": rule(),
    "account_email": rule(),
    "account_email_verification_sent": rule(anonymous=200),
    "account_change_password": rule(),
    "account_set_password": rule(signed_in=302),
    "account_reset_password": rule(anonymous=200),
    # No sign-in code is pending, so there is nothing to confirm.
    "account_confirm_login_code": rule(signed_in=302),
    "account_confirm_email": rule(anonymous=200),
    "account_reset_password_from_key_done": rule(anonymous=200),
    "account_reset_password_from_key": rule(anonymous=200),
    "account_reset_password_done": rule(anonymous=200),
    "mfa_index": rule(),
    "mfa_authenticate": rule(signed_in=302),
    # Confirming it is you with a code needs an authenticator app to give one.
    "mfa_reauthenticate": rule(
        signed_in=302, programme_admin=200, wellbeing_lead=200, outsider=200
    ),
    # Setting up an authenticator asks for the password again first.
    "mfa_activate_totp": rule(signed_in=302),
    # Those who have an authenticator app (admins and leads must) are asked for
    # their password again first; the others have nothing to turn off.
    "mfa_deactivate_totp": rule(
        signed_in=404, programme_admin=302, wellbeing_lead=302, outsider=302
    ),
    "mfa_view_recovery_codes": rule(signed_in=404),
    "mfa_generate_recovery_codes": rule(signed_in=302),
    "mfa_download_recovery_codes": rule(signed_in=404),
    # One's own signed-in sessions (allauth.usersessions)
    "usersessions_list": rule(),
    # allauth socialaccount: Microsoft Entra ID sign-in is off unless ENTRA_* set
    # it up, so its pages do not exist (tests/accounts/test_entra_sso.py has it on).
    "microsoft_login": rule(anonymous=404, signed_in=404),
    "microsoft_callback": rule(anonymous=404, signed_in=404),
    "socialaccount_connections": rule(),
    "socialaccount_login_cancelled": rule(anonymous=200),
    # allauth answers its "sign-in failed" page with 401 Unauthorized.
    "socialaccount_login_error": rule(anonymous=401, signed_in=401),
    # Nobody signs up through single sign-on: with no sign-up pending, back to sign-in.
    "socialaccount_signup": rule(signed_in=LOGIN),
}

# The Django admin is for staff users only; none of the roles is one.
ADMIN_EXCEPTIONS = {
    # It signs in through allauth (two-factor step, rate limits); a signed-in
    # person who is not staff is refused.
    "admin:login": rule(anonymous=LOGIN, signed_in=403),
    # Django's admin logout is POST-only; a GET is sent back to the admin.
    "admin:logout": rule(anonymous=302, signed_in=302),
}


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def all_url_names():
    return sorted({name for name, _ in _walk(get_resolver().url_patterns)})


def expected_for(name):
    if name in MATRIX:
        return MATRIX[name]
    if name in ADMIN_EXCEPTIONS:
        return ADMIN_EXCEPTIONS[name]
    if name.startswith("admin:"):
        return rule(anonymous=ADMIN_LOGIN, signed_in=ADMIN_LOGIN)
    return None


def test_every_url_is_in_the_matrix():
    missing = [name for name in all_url_names() if expected_for(name) is None]
    assert missing == [], f"add these URLs to the role x URL matrix: {missing}"


def test_matrix_names_only_urls_that_exist():
    assert set(MATRIX) - set(all_url_names()) == set()


# Which record's primary key a URL with `pk` takes, by URL-name prefix (longest first).
PK_OF = [
    ("feedback:give_session", "past"),
    ("feedback:question_", "question"),
    ("feedback:idea", "idea"),
    ("feedback:journal_", "journal_entry"),
    ("peergroups:session_register", "held_meeting"),
    ("peergroups:meeting_themes", "held_meeting"),
    ("peergroups:theme_", "theme_statement"),
    ("peergroups:external_facilitator_", "external_facilitator"),
    ("peergroups:session_record", "held_meeting"),
    ("peergroups:session", "meeting"),
    ("peergroups:member_", "group"),
    ("peergroups:group", "group"),
    ("peergroups:support_", "support_request"),
    ("peergroups:resource_", "resource"),
    ("peergroups:community_threads", "community"),
    ("peergroups:community_thread_add", "community"),
    ("peergroups:community_thread", "community_thread"),
    ("peergroups:community_reply", "community_reply"),
    ("peergroups:community", "community"),
    ("supervision:person", "person"),
    ("supervision:staff_import_", "staff_import"),
    ("supervision:department_", "department"),
    ("supervision:manage_programme_", "programme"),
    ("supervision:manage_extra_", "extra"),
    ("supervision:manage_theme_", "theme"),
    ("supervision:supervisor_training_", "training"),
    ("supervision:supervisor", "supervisor_profile"),
    ("supervision:first_session_book", "supervisor_profile"),
    ("supervision:agreement", "agreement"),
    ("supervision:session_log", "past"),
    ("supervision:session_confirm", "past"),
    ("supervision:session", "upcoming"),
]


def _url(name, records):
    _, pattern = next((n, p) for n, p in _walk(get_resolver().url_patterns) if n == name)
    needed = set(pattern.pattern.regex.groupindex)
    fixed = {
        "uidb64": "MQ",
        "token": "not-a-real-token",
        "key": "not-a-real-key",
        "uidb36": "1",
        "app_label": "kernel",
        "object_id": "1",
        "content_type_id": "999",
        "id": "1",
        "kind": "slot",
        "programme_pk": records["programme"].pk,
        "membership_pk": records["membership"].pk,
        "session_pk": records["past"].pk,
        "meeting_pk": records["held_meeting"].pk,
        "template": "gibbs",
        "table": "activity",
        "scim_id": "1",
    }
    args = {key: fixed[key] for key in needed if key in fixed}
    if "pk" in needed:
        if name == "supervision:availability_delete":
            args["pk"] = records["slot"].pk
        else:
            record = next(key for prefix, key in PK_OF if name.startswith(prefix))
            args["pk"] = records[record].pk
    return reverse(name, kwargs=args)


def _page_problem(response) -> str:
    """Every page we render has one h1 and a plain-text title."""
    if not response["Content-Type"].startswith("text/html"):
        return ""
    content = response.content.decode()
    if content.count("<h1") != 1:
        return f"{content.count('<h1')} h1 elements"
    title = content.split("<title>", 1)[-1].split("</title>", 1)[0]
    return "markup in the title" if "<" in title else ""


def _outcome(response):
    """The status, with redirects to a sign-in page told apart from other redirects."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return LOGIN
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
    return response.status_code


@pytest.mark.parametrize("name", all_url_names())
def test_url_answers_each_role_as_expected(client, role_users, records, name):
    spec = expected_for(name)
    assert spec is not None, f"{name} is not in the matrix"
    url = _url(name, records)
    wrong = {}
    for role in ROLES:
        client.logout()
        user = role_users[role]
        if user is not None:
            client.force_login(user)
        response = getattr(client, spec["method"])(url)
        outcome = _outcome(response)
        if outcome != spec["expected"][role]:
            wrong[role] = f"expected {spec['expected'][role]}, got {outcome}"
        elif outcome == 200 and not name.startswith("admin:"):
            problem = _page_problem(response)
            if problem:
                wrong[role] = problem
    assert wrong == {}, f"{spec['method'].upper()} {url}"


# --- POST ---------------------------------------------------------------------
# Every URL is posted to as well (an empty form: the test client skips the CSRF
# check, which test_a_form_refuses_a_post_without_its_csrf_token covers). A role
# turned away on GET is turned away on POST the same way, so another
# organisation's record answers 404 to a post too; a role let in gets the form
# back with its errors (200), as on GET. Only where POST answers otherwise is it
# listed here, by role.
NO_POST = "no post"  # takes no posts: 405 (before or after turning away who GET turns away)
EVERYONE_SIGNED_IN_REDIRECTED = dict.fromkeys(SIGNED_IN, 302)
POST_DIFFERS = {
    "healthz": NO_POST,
    "readyz": NO_POST,
    "metrics": NO_POST,
    "feedback:journal": NO_POST,
    "feedback:journal_entry": NO_POST,
    "feedback:summary": NO_POST,
    "feedback:wellbeing_impact": NO_POST,
    "peergroups:resources": NO_POST,
    "peergroups:community": NO_POST,
    "peergroups:community_threads": NO_POST,
    "peergroups:resource_file": NO_POST,
    "peergroups:support_requests": NO_POST,
    "peergroups:support_request": NO_POST,
    "peergroups:supporter_safety": NO_POST,
    "peergroups:themes": NO_POST,
    "supervision:manage_programmes": NO_POST,
    "supervision:staff_import_download": NO_POST,
    "account_inactive": NO_POST,
    "account_email_verification_sent": NO_POST,
    "account_reset_password_done": NO_POST,
    "account_reset_password_from_key_done": NO_POST,
    "mfa_index": NO_POST,
    "mfa_view_recovery_codes": NO_POST,
    "socialaccount_login_cancelled": NO_POST,
    "socialaccount_login_error": NO_POST,
    # An empty post is a complete one: every box unticked, or a confirmation.
    "notifications:preferences": EVERYONE_SIGNED_IN_REDIRECTED,
    "supervision:person_roles": {"programme_admin": 302},
    # No one chosen: the person is left with no line manager.
    "supervision:person_line_manager": {"programme_admin": 302},
    # Nothing in the form but a box to tick: the column names are saved as they are.
    "supervision:staff_import_columns": {"programme_admin": 302, "outsider": 302},
    # Both boxes unticked: SCIM provisioning is switched off (it already was).
    "provisioning:settings": {"programme_admin": 302, "outsider": 302},
    # The dry run is read, not posted to.
    "supervision:staff_import_detail": NO_POST,
    "supervision:session_confirm": {"supervisee": 302},
    "peergroups:session_record": {"facilitator": 302},
    # An empty post is the whole of releasing or withdrawing: the button.
    "peergroups:theme_release": {"facilitator": 302},
    "peergroups:theme_withdraw": {"facilitator": 302},
    "peergroups:resource_delete": {"programme_admin": 302},
    # A button and no fields: the post is the whole of it.
    "peergroups:support_safety": {"peer_supporter": 302},
    "peergroups:support_withdraw": {"supervisee": 302},
    # The outsider's trust has no programme, so there is no target to fill in.
    "reports:targets": {"outsider": 302},
    "account_logout": EVERYONE_SIGNED_IN_REDIRECTED,
    "account_email": EVERYONE_SIGNED_IN_REDIRECTED,  # no button pressed: back to the page
    "usersessions_list": EVERYONE_SIGNED_IN_REDIRECTED,  # signs out the other sessions
    "accounts:nmc_pin": EVERYONE_SIGNED_IN_REDIRECTED,  # no PIN: removes it (if any)
    # A made-up key: the GET explains the link does not work, a POST has nothing to confirm.
    "account_confirm_email": rule(anonymous=404, signed_in=404)["expected"],
}
REFUSED = (LOGIN, ADMIN_LOGIN, 401, 403, 404)


def post_expected_for(name):
    """What each role gets when posting to a URL the matrix opens with GET."""
    expected = expected_for(name)["expected"]
    differs = POST_DIFFERS.get(name, {})
    if differs == NO_POST:
        # Whichever check the view makes first: the method's (405), or who is asking.
        return {role: (expected[role], 405) if expected[role] in REFUSED else 405 for role in ROLES}
    return {**expected, **differs}


def _one_of(expected) -> tuple:
    return expected if isinstance(expected, tuple) else (expected,)


def _opened_with_get():
    return [name for name in all_url_names() if (expected_for(name) or {}).get("method") == "get"]


def test_post_never_lets_in_a_role_that_get_refuses():
    """POST_DIFFERS may only say how a page answers those it lets in, or that it takes no
    posts at all (405 whoever asks, which tells nobody whether a record exists)."""
    assert set(POST_DIFFERS) <= set(_opened_with_get())
    widened = {}
    for name in _opened_with_get():
        expected, posted = expected_for(name)["expected"], post_expected_for(name)
        for role in ROLES:
            if expected[role] in REFUSED and set(_one_of(posted[role])) - {expected[role], 405}:
                widened[f"{name} {role}"] = f"GET {expected[role]}, POST {posted[role]}"
    assert widened == {}


@pytest.mark.parametrize("name", _opened_with_get())
def test_url_answers_each_role_as_expected_when_posted_to(client, role_users, records, name):
    url = _url(name, records)
    expected = post_expected_for(name)
    wrong = {}
    for role in ROLES:
        # Each role's post is undone, so a deletion cannot change what the next one sees.
        with transaction.atomic():
            client.logout()
            if role_users[role] is not None:
                client.force_login(role_users[role])
            # A server error raises here (the test client re-raises it).
            outcome = _outcome(client.post(url))
            transaction.set_rollback(True)
        if outcome not in _one_of(expected[role]):
            wrong[role] = f"expected {expected[role]}, got {outcome}"
    assert wrong == {}, f"POST {url}"


@pytest.mark.parametrize(
    ("name", "role"), [("feedback:idea_add", "supervisee"), ("account_login", "anonymous")]
)
def test_a_form_refuses_a_post_without_its_csrf_token(role_users, name, role):
    client = Client(enforce_csrf_checks=True)
    if role_users[role] is not None:
        client.force_login(role_users[role])
    url = reverse(name)
    assert client.post(url, {"title": "A rota"}).status_code == 403
    page = client.get(url).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    # With the token from the page the same post gets through to the form.
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 200
