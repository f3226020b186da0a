"""Park notices (通知公告): drafts, attachments, publishing and withdrawing on the console; member
firms reading them (read receipts once per person, counted in aggregate); the dashboard panel;
and every denial leaving everything as it was."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.parks import notices
from apps.parks.models import Notice, NoticeRead, Park
from core.errors import Conflict, NotFound, ValidationFailed
from core.tenancy import use_public_schema
from tenants.models import Firm
from tests.conftest import PASSWORD

PDF = b"%PDF-1.4 subsidy guide"


def _notice(
    park: Park, admin: User, *, title: str = "2026年专项资金申报通知", publish: bool = True, **extra: Any
) -> Notice:
    notice = notices.notice_create(
        park=park,
        actor=admin,
        kind=extra.pop("kind", "subsidy"),
        title=title,
        body="申报材料请于截止日前提交。",
        **extra,
    )
    if publish:
        notices.notice_publish(park=park, actor=admin, notice_id=notice.pk)
    notice.refresh_from_db()
    return notice


def _state(notice: Notice) -> tuple[Any, ...]:
    notice.refresh_from_db()
    return (notice.title, notice.body, notice.kind, notice.deadline, notice.published_at, notice.withdrawn_at)


def _audit_actions() -> list[str]:
    use_public_schema()
    return list(AuditEvent.objects.filter(action__startswith="parks.notice").values_list("action", flat=True))


def _stored_files(park: Park) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "parks" / str(park.pk) / "notices"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _firm_user(firm: Firm, email: str) -> Client:
    """Another person of ``firm``, signed in on its host."""
    with schema_context(firm.schema_name):
        User.objects.create_user(email, PASSWORD, full_name="同事", role="member", language="en")
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


# --- console: drafts and attachments -------------------------------------------------------


def test_a_park_admin_writes_a_draft_with_an_attachment(console_a: Client, park_a: Park) -> None:
    # Given park A's admin on the console
    # When they save a new notice with a PDF attachment and a deadline
    response = console_a.post(
        "/park/notices/new/",
        {
            "kind": "subsidy",
            "title": "2026年专项资金申报",
            "body": "请各企业按时申报。",
            "deadline": "2099-06-30",
            "attachment": SimpleUploadedFile("申报指南 2026.pdf", PDF, content_type="application/pdf"),
        },
    )

    # Then it is a draft of park A, its file kept under the park's folder, and the action is logged
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.park == park_a
    assert notice.published_at is None
    assert notice.deadline == datetime.date(2099, 6, 30)
    assert notice.attachment_name == "申报指南 2026.pdf"
    assert notice.attachment.name.startswith(f"parks/{park_a.pk}/notices/")
    assert notice.attachment.name.endswith(".pdf")
    assert _stored_files(park_a)[0].read_bytes() == PDF
    assert _audit_actions() == ["parks.notice_created"]


def test_an_empty_title_is_refused_and_nothing_is_saved(console_a: Client, park_a: Park) -> None:
    # When the admin saves a notice without a title
    response = console_a.post("/park/notices/new/", {"kind": "policy", "title": "  ", "body": "正文"})

    # Then the form says so and no notice exists
    assert response.status_code == 200
    assert b"Give the notice a title." in response.content or b"This field is required." in response.content
    assert Notice.objects.count() == 0
    assert _audit_actions() == []


def test_a_huge_body_is_refused_and_nothing_is_saved(park_a: Park, admin_a: User) -> None:
    # When a notice's text is longer than the limit
    with pytest.raises(ValidationFailed) as refused:
        notices.notice_create(park=park_a, actor=admin_a, kind="policy", title="政策", body="字" * 20_001)

    # Then the body field is named and nothing is saved
    assert "body" in refused.value.fields
    assert Notice.objects.count() == 0


def test_a_huge_body_is_refused_on_the_page(console_a: Client, park_a: Park) -> None:
    response = console_a.post("/park/notices/new/", {"kind": "policy", "title": "政策", "body": "x" * 20_001})

    assert response.status_code == 200
    assert b"field-invalid" in response.content
    assert Notice.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("setup.exe", b"MZ\x90\x00", b"This file type is not accepted."),
        ("guide.pdf", b"MZ\x90\x00 renamed program", b"The content does not match the file type."),
        ("empty.pdf", b"", b"empty"),
    ],
)
def test_a_bad_attachment_is_refused_and_nothing_is_stored(
    console_a: Client, park_a: Park, name: str, content: bytes, problem: bytes
) -> None:
    # When the admin attaches a file of a refused type, a renamed one, or an empty one
    response = console_a.post(
        "/park/notices/new/",
        {"kind": "policy", "title": "政策", "body": "正文", "attachment": SimpleUploadedFile(name, content)},
    )

    # Then the attachment field says why, and neither a notice nor a file is kept
    assert response.status_code == 200
    assert problem in response.content
    assert Notice.objects.count() == 0
    assert _stored_files(park_a) == []


def test_an_attachment_over_10_mb_is_refused_and_nothing_is_stored(console_a: Client, park_a: Park) -> None:
    big = PDF + b"0" * (notices.MAX_ATTACHMENT_BYTES + 1 - len(PDF))

    response = console_a.post(
        "/park/notices/new/",
        {"kind": "policy", "title": "政策", "body": "正文", "attachment": SimpleUploadedFile("big.pdf", big)},
    )

    assert response.status_code == 200
    assert b"The file is too large." in response.content
    assert Notice.objects.count() == 0
    assert _stored_files(park_a) == []


def test_an_office_zip_and_image_attachment_are_accepted(park_a: Park, admin_a: User) -> None:
    for name, content in (
        ("table.xlsx", b"PK\x03\x04 xlsx"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 doc"),
        ("forms.zip", b"PK\x03\x04 zip"),
        ("map.png", b"\x89PNG\r\n\x1a\n png"),
    ):
        notice = notices.notice_create(
            park=park_a,
            actor=admin_a,
            kind="event",
            title=name,
            body="正文",
            attachment=notices.AttachmentUpload(name=name, content=content),
        )
        assert notice.attachment_name == name
    assert len(_stored_files(park_a)) == 4


def test_editing_a_draft_replaces_its_attachment_and_removes_the_old_file(
    console_a: Client, park_a: Park, admin_a: User
) -> None:
    draft = _notice(park_a, admin_a, publish=False, attachment=notices.AttachmentUpload("old.pdf", PDF))
    old_path = Path(settings.MEDIA_ROOT) / draft.attachment.name

    with pytest.MonkeyPatch.context() as patch:
        # on_commit callbacks run at once: the test transaction never commits
        patch.setattr("django.db.transaction.on_commit", lambda func, *a, **k: func())
        response = console_a.post(
            f"/park/notices/{draft.pk}/edit/",
            {
                "kind": "policy",
                "title": "新标题",
                "body": "新正文",
                "attachment": SimpleUploadedFile("new.pdf", b"%PDF-1.7 new"),
            },
        )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.attachment_name) == ("新标题", "new.pdf")
    assert not old_path.exists()
    assert [p.read_bytes() for p in _stored_files(park_a)] == [b"%PDF-1.7 new"]


def test_a_published_notice_cannot_be_edited(park_a: Park, admin_a: User) -> None:
    notice = _notice(park_a, admin_a)
    before = _state(notice)

    with pytest.raises(Conflict):
        notices.notice_update(park=park_a, actor=admin_a, notice_id=notice.pk, kind="event", title="改", body="改")

    assert _state(notice) == before


# --- console: publishing and withdrawing ---------------------------------------------------


def test_publishing_sets_the_time_and_is_logged(console_a: Client, park_a: Park, admin_a: User) -> None:
    draft = _notice(park_a, admin_a, publish=False)

    response = console_a.post(f"/park/notices/{draft.pk}/publish/")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert "parks.notice_published" in _audit_actions()
    event = AuditEvent.objects.get(action="parks.notice_published")
    assert event.actor == admin_a.email
    assert event.changes["park_id"] == park_a.pk


def test_publishing_with_a_deadline_in_the_past_is_refused(console_a: Client, park_a: Park, admin_a: User) -> None:
    # Given a draft whose deadline was yesterday
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    draft = _notice(park_a, admin_a, publish=False, deadline=yesterday)
    before = _state(draft)

    # When the admin publishes it
    response = console_a.post(f"/park/notices/{draft.pk}/publish/", follow=True)

    # Then it stays a draft and the page says why
    assert b"The deadline has passed" in response.content
    assert _state(draft) == before
    assert "parks.notice_published" not in _audit_actions()


def test_a_deadline_of_today_can_be_published(park_a: Park, admin_a: User) -> None:
    draft = _notice(park_a, admin_a, publish=False, deadline=timezone.localdate())

    notices.notice_publish(park=park_a, actor=admin_a, notice_id=draft.pk)

    draft.refresh_from_db()
    assert draft.published_at is not None


def test_publishing_twice_is_a_conflict(park_a: Park, admin_a: User) -> None:
    notice = _notice(park_a, admin_a)
    before = _state(notice)

    with pytest.raises(Conflict):
        notices.notice_publish(park=park_a, actor=admin_a, notice_id=notice.pk)

    assert _state(notice) == before


def test_withdrawing_asks_first_and_then_hides_the_notice_from_firms(
    console_a: Client, park_a: Park, admin_a: User, firm_a_in_park_a: Firm, owner_a_client: Client
) -> None:
    notice = _notice(park_a, admin_a)

    # The withdraw link opens a confirmation page that changes nothing
    confirm = console_a.get(f"/park/notices/{notice.pk}/withdraw/")
    assert confirm.status_code == 200
    assert b"confirm-withdraw" in confirm.content
    notice.refresh_from_db()
    assert notice.withdrawn_at is None

    # Confirming withdraws it: the firm no longer sees it
    assert console_a.post(f"/park/notices/{notice.pk}/withdraw/").status_code == 302
    notice.refresh_from_db()
    assert notice.withdrawn_at is not None
    assert "parks.notice_withdrawn" in _audit_actions()
    assert owner_a_client.get(f"/park/notices/{notice.pk}/").status_code == 404
    assert notice.title.encode() not in owner_a_client.get("/park/notices/").content


def test_a_draft_is_deleted_after_confirmation_and_a_published_one_cannot_be(
    console_a: Client, park_a: Park, admin_a: User
) -> None:
    draft = _notice(park_a, admin_a, publish=False, title="草稿")
    published = _notice(park_a, admin_a, title="已发布")

    assert console_a.get(f"/park/notices/{draft.pk}/delete/").status_code == 200
    assert Notice.objects.filter(pk=draft.pk).exists()
    assert console_a.post(f"/park/notices/{draft.pk}/delete/").status_code == 302
    assert not Notice.objects.filter(pk=draft.pk).exists()

    console_a.post(f"/park/notices/{published.pk}/delete/")
    assert Notice.objects.filter(pk=published.pk).exists()


def test_the_console_list_filters_by_state_and_searches(console_a: Client, park_a: Park, admin_a: User) -> None:
    _notice(park_a, admin_a, title="人才政策更新", kind="policy")
    _notice(park_a, admin_a, title="园区招聘会", kind="event", publish=False)

    drafts = console_a.get("/park/notices/?state=draft")
    found = console_a.get("/park/notices/?q=人才")

    assert "园区招聘会" in drafts.content.decode()
    assert "人才政策更新" not in drafts.content.decode()
    assert "人才政策更新" in found.content.decode()
    assert "园区招聘会" not in found.content.decode()


# --- another park's admin --------------------------------------------------------------------


def test_park_b_admin_gets_404_on_park_a_notices_and_nothing_changes(
    console_b: Client, park_a: Park, admin_a: User
) -> None:
    # Given a published notice and a draft of park A
    published = _notice(park_a, admin_a, attachment=notices.AttachmentUpload("a.pdf", PDF))
    draft = _notice(park_a, admin_a, publish=False, title="草稿")
    before = (_state(published), _state(draft))
    audited = _audit_actions()

    # When park B's admin reads, edits, publishes, withdraws, deletes or downloads them
    answers = [
        console_b.get(f"/park/notices/{published.pk}/").status_code,
        console_b.get(f"/park/notices/{published.pk}/attachment/").status_code,
        console_b.post(f"/park/notices/{draft.pk}/edit/", {"kind": "policy", "title": "x", "body": "y"}).status_code,
        console_b.post(f"/park/notices/{draft.pk}/publish/").status_code,
        console_b.post(f"/park/notices/{published.pk}/withdraw/").status_code,
        console_b.post(f"/park/notices/{draft.pk}/delete/").status_code,
        console_b.get(f"/api/v1/park/notices/{published.pk}/").status_code,
        console_b.post(f"/api/v1/park/notices/{draft.pk}/publish/").status_code,
        console_b.post(f"/api/v1/park/notices/{published.pk}/withdraw/").status_code,
    ]

    # Then every answer is 404 and nothing changed
    assert answers == [404] * len(answers)
    assert (_state(published), _state(draft)) == before
    assert _audit_actions() == audited
    assert published.title.encode() not in console_b.get("/park/notices/").content


def test_a_signed_out_visitor_and_a_firm_user_cannot_use_the_console(
    public_client: Client, park_a: Park, admin_a: User, owner_a_client: Client
) -> None:
    notice = _notice(park_a, admin_a)

    assert public_client.get("/park/notices/").status_code == 302  # to the sign-in page
    assert public_client.get(f"/api/v1/park/notices/{notice.pk}/").status_code in (401, 403)
    # A firm host does not serve the console at all: /park/notices/ there is the firm's view.
    assert owner_a_client.post(f"/park/notices/{notice.pk}/publish/").status_code == 404


# --- firm side -------------------------------------------------------------------------------


def test_a_member_firm_sees_its_park_published_notices_only(
    owner_a_client: Client, firm_a_in_park_a: Firm, park_a: Park, park_b: Park, admin_a: User, admin_b: User
) -> None:
    # Given park A's published, draft and withdrawn notices, and park B's published one
    _notice(park_a, admin_a, title="A已发布")
    _notice(park_a, admin_a, title="A草稿", publish=False)
    withdrawn = _notice(park_a, admin_a, title="A已撤回")
    notices.notice_withdraw(park=park_a, actor=admin_a, notice_id=withdrawn.pk)
    other = _notice(park_b, admin_b, title="B已发布")

    # When firm A's owner opens the notices page
    page = owner_a_client.get("/park/notices/").content.decode()

    # Then only park A's published notice is listed, and park B's is a 404
    assert "A已发布" in page
    assert "A草稿" not in page
    assert "A已撤回" not in page
    assert "B已发布" not in page
    assert owner_a_client.get(f"/park/notices/{other.pk}/").status_code == 404
    assert owner_a_client.get(f"/api/v1/park/notices/{other.pk}/").status_code == 404
    assert not NoticeRead.objects.exists()


def test_a_firm_outside_any_park_sees_an_explanation_and_no_notice(
    owner_b_client: Client, firm_b: Firm, park_a: Park, admin_a: User
) -> None:
    notice = _notice(park_a, admin_a, title="园区通知")

    page = owner_b_client.get("/park/notices/")
    detail = owner_b_client.get(f"/park/notices/{notice.pk}/")
    api = owner_b_client.get("/api/v1/park/notices/")

    assert page.status_code == 200
    assert b"not a member of an industrial park" in page.content
    assert "园区通知".encode() not in page.content + detail.content
    assert api.status_code == 404
    assert api.json()["code"] == "not_in_park"
    assert not NoticeRead.objects.exists()


def test_read_receipts_count_once_per_person_and_add_up_for_the_park(
    console_a: Client,
    park_a: Park,
    admin_a: User,
    firm_a_in_park_a: Firm,
    firm_b_in_park_a: Firm,
    owner_a_client: Client,
    owner_b_client: Client,
) -> None:
    notice = _notice(park_a, admin_a)
    colleague_a = _firm_user(firm_a_in_park_a, "colleague@alpha.example")

    # Firm A's owner opens it twice (page and API), a colleague once; firm B's owner once
    assert owner_a_client.get(f"/park/notices/{notice.pk}/").status_code == 200
    assert owner_a_client.get(f"/api/v1/park/notices/{notice.pk}/").status_code == 200
    colleague_a.get(f"/park/notices/{notice.pk}/")
    owner_b_client.get(f"/park/notices/{notice.pk}/")

    # Then three people in two firms read it, each counted once
    assert NoticeRead.objects.filter(notice=notice).count() == 3
    row = notices.notice_get_for_park(park=park_a, notice_id=notice.pk)
    assert (row.firms_read, row.people_read) == (2, 3)  # type: ignore[attr-defined]
    detail = console_a.get(f"/park/notices/{notice.pk}/").content.decode()
    assert 'id="firms-read">2<' in detail
    assert 'id="people-read">3<' in detail
    api = console_a.get(f"/api/v1/park/notices/{notice.pk}/").json()
    assert (api["firms_read"], api["people_read"], api["member_firms"]) == (2, 3, 2)


def test_the_read_receipt_is_recorded_once_even_when_recorded_again(
    park_a: Park, admin_a: User, firm_a_in_park_a: Firm
) -> None:
    notice = _notice(park_a, admin_a)

    notices.notice_read_record(firm=firm_a_in_park_a, user_id=7, notice=notice)
    notices.notice_read_record(firm=firm_a_in_park_a, user_id=7, notice=notice)

    assert NoticeRead.objects.filter(notice=notice, firm=firm_a_in_park_a, user_id=7).count() == 1


def test_the_list_marks_unread_notices_for_each_person(
    owner_a_client: Client, park_a: Park, admin_a: User, firm_a_in_park_a: Firm
) -> None:
    first = _notice(park_a, admin_a, title="第一条")
    second = _notice(park_a, admin_a, title="第二条")
    owner_a_client.get(f"/park/notices/{first.pk}/")

    page = owner_a_client.get("/park/notices/").content.decode()
    listed = owner_a_client.get("/api/v1/park/notices/").json()["results"]

    assert f'data-notice="{second.pk}" data-unread="1"' in page
    assert f'data-notice="{first.pk}" data-unread' not in page
    assert {row["id"]: row["is_read"] for row in listed} == {first.pk: True, second.pk: False}


def test_the_firm_list_filters_by_kind_and_searches(
    owner_a_client: Client, park_a: Park, admin_a: User, firm_a_in_park_a: Firm
) -> None:
    _notice(park_a, admin_a, title="创业大赛报名", kind="event")
    _notice(park_a, admin_a, title="税收政策解读", kind="policy")

    events = owner_a_client.get("/park/notices/?kind=event").content.decode()
    found = owner_a_client.get("/api/v1/park/notices/?q=税收").json()["results"]

    assert "创业大赛报名" in events
    assert "税收政策解读" not in events
    assert [row["title"] for row in found] == ["税收政策解读"]


def test_the_dashboard_shows_the_latest_notices_with_unread_and_deadline(
    owner_a_client: Client, park_a: Park, admin_a: User, firm_a_in_park_a: Firm
) -> None:
    notice = _notice(park_a, admin_a, title="专项资金申报", deadline=datetime.date(2099, 3, 31))

    page = owner_a_client.get("/").content.decode()

    assert 'id="park-notices"' in page
    assert "专项资金申报" in page
    assert "2099-03-31" in page
    assert "1 notice you have not read yet." in page
    owner_a_client.get(f"/park/notices/{notice.pk}/")
    assert "not read yet" not in owner_a_client.get("/").content.decode()


def test_the_dashboard_of_a_firm_without_a_park_has_no_notices_panel(owner_b_client: Client, firm_b: Firm) -> None:
    page = owner_b_client.get("/").content.decode()

    assert 'id="park-notices"' not in page


# --- attachments are served only to those who may read them --------------------------------


@pytest.fixture
def with_attachment(park_a: Park, admin_a: User) -> Notice:
    return _notice(park_a, admin_a, attachment=notices.AttachmentUpload("指南.pdf", PDF))


def test_the_attachment_is_downloaded_by_the_park_admin_and_member_firms(
    with_attachment: Notice, console_a: Client, owner_a_client: Client, firm_a_in_park_a: Firm
) -> None:
    for client, url in (
        (console_a, f"/park/notices/{with_attachment.pk}/attachment/"),
        (console_a, f"/api/v1/park/notices/{with_attachment.pk}/attachment/"),
        (owner_a_client, f"/park/notices/{with_attachment.pk}/attachment/"),
        (owner_a_client, f"/api/v1/park/notices/{with_attachment.pk}/attachment/"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")


def test_the_attachment_is_refused_outside_the_park_and_has_no_public_address(
    with_attachment: Notice, console_b: Client, owner_b_client: Client, public_client: Client
) -> None:
    # Firm B is in no park; park B's admin runs another park; nobody reaches the media folder
    assert console_b.get(f"/park/notices/{with_attachment.pk}/attachment/").status_code == 404
    outside = owner_b_client.get(f"/park/notices/{with_attachment.pk}/attachment/")
    assert outside.status_code == 200
    assert not outside.streaming
    assert b"%PDF" not in outside.content
    assert owner_b_client.get(f"/api/v1/park/notices/{with_attachment.pk}/attachment/").status_code == 404
    assert public_client.get(f"/media/{with_attachment.attachment.name}").status_code == 404
    assert public_client.get(f"/park/notices/{with_attachment.pk}/attachment/").status_code == 302  # sign in


# --- console API -----------------------------------------------------------------------------


def test_the_console_api_writes_publishes_and_withdraws(console_a: Client, park_a: Park) -> None:
    created = console_a.post(
        "/api/v1/park/notices/create/",
        {"kind": "event", "title": "园区开放日", "body": "欢迎参加。", "deadline": "2099-01-10"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    notice_id = created.json()["id"]
    assert created.json()["state"] == "draft"

    published = console_a.post(f"/api/v1/park/notices/{notice_id}/publish/")
    assert published.status_code == 200
    assert published.json()["state"] == "published"
    listed = console_a.get("/api/v1/park/notices/?state=published").json()
    assert [row["id"] for row in listed["results"]] == [notice_id]

    withdrawn = console_a.post(f"/api/v1/park/notices/{notice_id}/withdraw/")
    assert withdrawn.json()["state"] == "withdrawn"
    again = console_a.post(f"/api/v1/park/notices/{notice_id}/withdraw/")
    assert again.status_code == 409
    assert again.json()["code"] == "already_withdrawn"
    assert _audit_actions() == ["parks.notice_withdrawn", "parks.notice_published", "parks.notice_created"]


def test_the_console_api_takes_a_multipart_attachment(console_a: Client, park_a: Park) -> None:
    response = console_a.post(
        "/api/v1/park/notices/create/",
        {"title": "附件", "body": "正文", "attachment": SimpleUploadedFile("a.pdf", PDF)},
    )

    assert response.status_code == 201, response.content
    assert response.json()["attachment_name"] == "a.pdf"


def test_the_console_api_refuses_bad_input_with_field_errors(console_a: Client, park_a: Park) -> None:
    empty = console_a.post(
        "/api/v1/park/notices/create/", {"title": "", "body": "", "kind": "gossip"}, content_type="application/json"
    )
    bad_file = console_a.post(
        "/api/v1/park/notices/create/",
        {"title": "t", "body": "b", "attachment": SimpleUploadedFile("x.exe", b"MZ")},
    )

    assert empty.status_code == 400
    assert set(empty.json()["fields"]) == {"title", "body", "kind"}
    assert bad_file.status_code == 400
    assert "attachment" in bad_file.json()["fields"]
    assert Notice.objects.count() == 0


def test_the_console_api_refuses_a_past_deadline_on_publish(park_a: Park, admin_a: User, console_a: Client) -> None:
    draft = _notice(park_a, admin_a, publish=False, deadline=datetime.date(2020, 1, 1))

    response = console_a.post(f"/api/v1/park/notices/{draft.pk}/publish/")

    assert response.status_code == 400
    assert response.json()["code"] == "deadline_passed"
    assert "deadline" in response.json()["fields"]
    draft.refresh_from_db()
    assert draft.published_at is None


# --- the console never enters a firm schema --------------------------------------------------


def test_the_notices_console_runs_no_query_in_a_firm_schema(
    console_a: Client,
    park_a: Park,
    admin_a: User,
    firm_a_in_park_a: Firm,
    firm_b_in_park_a: Firm,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notice = _notice(park_a, admin_a, attachment=notices.AttachmentUpload("a.pdf", PDF))
    NoticeRead.objects.create(notice=notice, firm=firm_a_in_park_a, user_id=1)
    entered: list[str] = []
    original = connection.set_tenant  # type: ignore[attr-defined]

    def spy(tenant: Any, *args: Any, **kwargs: Any) -> Any:
        entered.append(tenant.schema_name)
        return original(tenant, *args, **kwargs)

    monkeypatch.setattr(connection, "set_tenant", spy)

    with CaptureQueriesContext(connection) as queries:
        for url in (
            "/park/notices/",
            f"/park/notices/{notice.pk}/",
            f"/park/notices/{notice.pk}/attachment/",
            "/api/v1/park/notices/",
            f"/api/v1/park/notices/{notice.pk}/",
        ):
            assert console_a.get(url).status_code == 200, url

    firm_schemas = {firm_a_in_park_a.schema_name, firm_b_in_park_a.schema_name}
    assert set(entered) <= {"public"}  # the middleware sets the public schema, nothing else
    assert connection.schema_name == "public"  # type: ignore[attr-defined]
    assert not [q["sql"] for q in queries.captured_queries if any(s in q["sql"] for s in firm_schemas)]


def test_the_console_list_runs_a_bounded_number_of_queries(
    console_a: Client, park_a: Park, admin_a: User, django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        _notice(park_a, admin_a, title=f"通知 {number}")

    with django_assert_max_num_queries(15):
        assert console_a.get("/park/notices/").status_code == 200


def test_a_notice_id_that_cannot_exist_is_not_found(park_a: Park) -> None:
    with pytest.raises(NotFound):
        notices.notice_get_for_park(park=park_a, notice_id="9" * 30)
