"""The printed forms: their contexts checked without rendering, then the PDFs read back as text
(names, ID numbers, capitals), scoped downloads, batch printing and the command line."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from claims.models import Claim, PayoutBatch
from enrollment.models import Application, District, Member, Period, RosterLine
from mutualaid import jobs
from reports import checks, documents, printing

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_the_review_sheet_context_carries_capitals_rounds_and_signatures():
    claim = Claim.objects.get(reference="16-MED-U001-C1")
    sheet = documents.review_sheet(claim, full_id=True)
    assert (sheet.name, sheet.sex, sheet.id_number) == ("王强", "男", claim.member.id_number)
    assert sheet.total_cost.capitals == "叁万贰仟元整" and sheet.basic_insurance_paid.capitals == "壹万贰仟元整"
    assert sheet.treatment == "2026-05-03 至 2026-05-20"
    first = sheet.rounds[0]
    assert (first.number, first.reference, first.amount.amount, first.cumulative.amount) == (
        1, "16-MED-U001-C1", D("7000.00"), D("7000.00"))  # fmt: skip
    assert [r.reference for r in sheet.rounds[1:]] == ["", "", ""]
    assert sheet.district.name and sheet.handler.name and sheet.head.name and sheet.head.on
    assert documents.review_sheet(claim, full_id=False).id_number.count("*") == 8


def test_the_review_sheet_pdf_reads_back_with_the_names_ids_and_capitals():
    claim = Claim.objects.get(reference="16-MED-U001-C1")
    data, filename = printing.review_sheet_pdf(claim, full_id=True)
    assert filename == "审核表-16-MED-U001-C1.pdf"
    page = text_of(data)[0]
    for text in ("互助补充保险金申请审核表", "王强", claim.member.id_number, "叁万贰仟元整", "壹万贰仟元整",
                 "威海示例科技有限公司", "7,000.00"):  # fmt: skip
        assert text in page.replace(" ", ""), text


def test_the_application_form_and_its_invoice_in_capitals():
    application = Application.objects.get(reference="16-MED-U001-1")
    form = documents.application_form(application)
    assert (form.members, form.amount.capitals, form.unit_code, form.staff) == (2, "壹佰元整", "U001", 2)
    page = text_of(printing.application_pdf(application)[0])[0].replace(" ", "")
    assert "团体申请表" in page and "威海示例科技有限公司" in page and "壹佰元整" in page


def test_a_long_roster_repeats_its_header_on_every_page(settings):
    settings.DEBUG = False
    application = Application.objects.get(reference="16-MED-U001-1")
    template = RosterLine.objects.filter(application=application).first()
    from datetime import date

    from mutualaid.lib.idcard import make_id

    extra = Member.objects.bulk_create(
        Member(id_number=make_id("371002", date(1980, 1, 1), k, "M"), name=f"测试{k}", sex="M",
               birth_date=date(1980, 1, 1), unit=application.unit)
        for k in range(1, 140, 2)
    )  # fmt: skip
    RosterLine.objects.bulk_create(
        RosterLine(application=application, plan=application.plan, member=member, row_number=10 + k, shares=1,
                   live=False, insurance_card=f"X{k}")
        for k, member in enumerate(extra)
    )  # fmt: skip
    pages = text_of(printing.roster_pdf(application, full_id=True)[0])
    assert len(pages) >= 2
    for page in pages:
        flat = page.replace(" ", "")
        assert "单位名称：威海示例科技有限公司" in flat and "身份证" in flat and "医保卡号" in flat
    assert template.member.id_number in pages[0]


def test_a_long_roster_is_rendered_in_chunks_and_merged(monkeypatch):
    from reports import pdf

    monkeypatch.setattr(pdf, "CHUNK_ROWS", 1)
    application = Application.objects.get(reference="16-MED-U001-1")
    pages = text_of(printing.roster_pdf(application, full_id=True)[0])
    assert len(pages) == 2 and "张伟" in pages[0] and "王强" in pages[1]
    # one page number after another, not "第 1 页" again at the start of each chunk
    assert ["第 1 页" in pages[0], "第 2 页" in pages[1], "第 1 页" in pages[1]] == [True, True, False]


def test_a_roster_laid_out_in_several_processes_reads_as_one_laid_out_in_turn(monkeypatch):
    from reports import pdf

    monkeypatch.setattr(pdf, "CHUNK_ROWS", 1)
    application = Application.objects.get(reference="16-MED-U001-1")
    monkeypatch.setattr(pdf, "WORKERS", 1)
    in_turn = text_of(printing.roster_pdf(application, full_id=True)[0])
    monkeypatch.setattr(pdf, "WORKERS", 2)
    side_by_side = text_of(printing.roster_pdf(application, full_id=True)[0])
    assert side_by_side == in_turn and len(in_turn) == 2
    footer = "威海示例科技有限公司 人员手册（16-MED-U001-1）　第 2 页"
    assert in_turn[1].splitlines()[-1] == footer  # printed onto the page once, after its rows


def test_a_roster_whose_layout_workers_die_is_laid_out_in_turn(monkeypatch):
    # A worker killed for its memory (or a fork server that cannot start): the clerk still gets the
    # whole roster, numbered on, laid out in the job's own process.
    from concurrent.futures.process import BrokenProcessPool

    from reports import pdf

    def broken(*args, **kwargs):
        raise BrokenProcessPool("a layout worker was killed")

    monkeypatch.setattr(pdf, "CHUNK_ROWS", 1)
    monkeypatch.setattr(pdf, "WORKERS", 2)
    monkeypatch.setattr(pdf, "_render_side_by_side", broken)
    pages = text_of(printing.roster_pdf(Application.objects.get(reference="16-MED-U001-1"), full_id=True)[0])
    assert [page.splitlines()[-1][-5:] for page in pages] == ["第 1 页", "第 2 页"]


def test_a_confirmation_only_once_effective():
    effective = Application.objects.get(reference="16-MED-U001-1")
    page = text_of(printing.confirmation_pdf(effective, full_id=False)[0])[0].replace(" ", "").replace("\n", "")
    assert "确认书" in page and "会员名单" in page and "2026年3月12日" in page and "********" in page
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="尚未生效"):
        printing.confirmation_pdf(Application.objects.get(reference="16-MED-U003-1"), full_id=False)


def test_downloads_are_scoped_like_their_pages(login, clerk_u001, clerk_u002, handler):
    own = login(clerk_u001).get(reverse("reports:review_sheet", args=["16-MED-U001-C1"]))
    assert own["Content-Type"] == "application/pdf" and "filename*=" in own["Content-Disposition"]
    member = Claim.objects.get(reference="16-MED-U001-C1").member
    assert member.id_number not in text_of(own.content)[0]  # a clerk's copy is masked
    other = login(clerk_u002)
    for name, reference in (("review_sheet", "16-MED-U001-C1"), ("application", "16-MED-U001-1"),
                            ("roster", "16-MED-U001-1"), ("confirmation", "16-MED-U001-1")):  # fmt: skip
        assert other.get(reverse(f"reports:{name}", args=[reference])).status_code == 404
    centre = login(handler).get(reverse("reports:review_sheet", args=["16-MED-U001-C1"]))
    assert member.id_number in text_of(centre.content)[0]


def test_a_batch_prints_every_review_sheet_as_one_pdf_on_the_worker(login, handler):
    batch = PayoutBatch.objects.order_by("pk").first()
    client = login(handler)
    response = client.post(reverse("reports:batch_review_sheets", args=[batch.reference]))
    assert response.status_code == 302
    jobs.execute_queued()
    job = jobs.Job.objects.get(kind="print_review_sheets")
    assert job.status == "done" and job.result["count"] == batch.claims.count()
    download = client.get(reverse("job_download", args=[job.pk]))
    pages = text_of(b"".join(download.streaming_content))
    assert len(pages) >= batch.claims.count()
    notice = client.get(reverse("reports:payout_notice", args=[batch.reference]))
    assert "互助金支付通知" in text_of(notice.content)[0].replace(" ", "")


def test_a_district_prints_its_periods_confirmations(login, district_hc):
    client = login(district_hc)
    period = Period.objects.get(number=16)
    client.post(reverse("reports:period_confirmations"), {"period": period.pk,
                                                          "district": District.objects.get(code="RC").pk})  # fmt: skip
    jobs.execute_queued()
    job = jobs.Job.objects.get(kind="print_confirmations")
    assert job.status == "done" and job.params["district"] == District.objects.get(code="HC").pk  # its own only


def test_render_pdf_on_the_command_line(tmp_path):
    for kind, reference in (("application", "16-MED-U001-1"), ("roster", "16-MED-U001-1"),
                            ("review-sheet", "16-MED-U001-C1"), ("confirmation", "16-MED-U001-1")):  # fmt: skip
        out = tmp_path / f"{kind}.pdf"
        call_command("render_pdf", kind, reference, "-o", str(out))
        assert out.read_bytes().startswith(b"%PDF")
    batch = PayoutBatch.objects.order_by("pk").first()
    call_command("render_pdf", "payout-notice", batch.reference, "-o", str(tmp_path / "n.pdf"))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有申领编号"):
        call_command("render_pdf", "review-sheet", "NOPE", "-o", str(tmp_path / "x.pdf"))


def test_the_system_check_reports_a_machine_that_cannot_print(monkeypatch):
    assert checks.pdf_prerequisites(None) == []
    monkeypatch.setattr(checks.ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(checks, "FONT_FAMILY", "No Such Font CJK")
    ids = {error.id for error in checks.pdf_prerequisites(None)}
    assert ids == {"reports.E001", "reports.E002"}


def test_the_pdf_embeds_a_subset_of_the_font():
    data, _ = printing.review_sheet_pdf(Claim.objects.get(reference="16-MED-U001-C1"), full_id=True)
    assert len(data) < 400_000  # the whole Noto CJK font is ~16 MB; a subset is tens of KB
    fonts = {str(font) for page in PdfReader(io.BytesIO(data)).pages for font in
             page["/Resources"]["/Font"].values()}  # fmt: skip
    assert fonts


def test_a_roster_too_long_to_print_at_once_goes_to_the_worker(login, clerk_u001, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "CHUNK_ROWS", 1)
    client = login(clerk_u001)
    response = client.get(reverse("reports:roster", args=["16-MED-U001-1"]))
    job = jobs.Job.objects.get(kind="print_roster")
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    jobs.execute_queued()
    job.refresh_from_db()
    assert job.status == "done" and job.result["filename"] == "人员手册-16-MED-U001-1.pdf"
    pages = text_of(b"".join(client.get(reverse("job_download", args=[job.pk])).streaming_content))
    assert "张伟" in pages[0] and "********" in pages[0]  # a clerk's copy, masked


def test_reloading_a_long_roster_follows_the_job_already_printing_it(login, clerk_u001, handler, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "CHUNK_ROWS", 1)
    url = reverse("reports:roster", args=["16-MED-U001-1"])
    client = login(clerk_u001)
    first, again = client.get(url), client.get(url)
    assert first["Location"] == again["Location"]
    assert jobs.Job.objects.filter(kind="print_roster").count() == 1
    centre = login(handler)  # the centre's copy shows full ID numbers: a job of its own, once
    assert centre.get(url)["Location"] == centre.get(url)["Location"] != first["Location"]
    assert jobs.Job.objects.filter(kind="print_roster").count() == 2
    jobs.execute_queued()
    third = login(clerk_u001).get(url)  # once printed, a new GET prints again (the roster may have changed)
    assert third["Location"] != first["Location"] and jobs.Job.objects.filter(kind="print_roster").count() == 3


def test_a_document_reads_no_file_and_no_address_only_its_own_data(tmp_path):
    """Whatever a form's text carries into a document, typesetting opens no file and no address."""
    from reports.pdf import html_to_pdf, url_fetcher

    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for print")
    for url in (secret.as_uri(), "http://169.254.169.254/latest/meta-data/", "https://example.com/a.css"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            url_fetcher()(url)
    # An image carried as a data: URI (the receipt's QR code is one) is still drawn.
    from base64 import b64encode

    from PIL import Image

    png = io.BytesIO()
    Image.new("L", (8, 8)).save(png, "PNG")
    dot = f"data:image/png;base64,{b64encode(png.getvalue()).decode()}"
    drawn = html_to_pdf(f'<p>收据</p><img src="{dot}"><img src="{secret.as_uri()}">')
    images = [img for page in PdfReader(io.BytesIO(drawn)).pages for img in page.images]
    assert len(images) == 1  # the data: image; the file is not read
