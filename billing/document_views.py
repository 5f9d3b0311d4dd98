"""Documents as PDFs, and sent by e-mail.

- A subscriber downloads their own proforma or invoice on the storefront:
  /account/documents/<id>.pdf (another subscriber's or partner's id is 404).
- The partner panel prints any of its documents as the original, a copy or a duplicate (dated
  today): /panel/<slug>/billing/documents/<id>.pdf?mark=…, and sends a proforma or an invoice to
  its buyer: POST /panel/<slug>/billing/documents/<id>/send queues a message in the document's
  language with its number, amount and the link to it on the partner's storefront. The outbox
  keeps no attachments, so the message links to the document rather than carrying the PDF.

PDFs are private (`Cache-Control: private, no-store`): never kept by a shared cache or the page
cache. Host gating mirrors storefront.routing: the subscriber's blueprint answers only on a
storefront host, the panel's only on the platform host.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, flash, g, redirect, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from flask_wtf import FlaskForm

from billing import documents
from billing.documents import local_today
from billing.models import Document
from billing.pdf import MARKS, render_pdf
from storefront.auth import panel_route, subscriber_required
from storefront.db import db
from storefront.i18n import gettext as _
from storefront.money import Money
from storefront.services.outbox import queue_email
from storefront.tenancy import Tenant, partner_url

SUBSCRIBER_KINDS = ("proforma", "invoice", "credit_note")

account_bp = Blueprint("billing_account_documents", __name__, url_prefix="/account/documents")
panel_bp = Blueprint("billing_panel_documents", __name__,
                     url_prefix="/panel/<slug>/billing/documents")


def init_app(app: Flask) -> None:
    app.register_blueprint(panel_bp)
    app.register_blueprint(account_bp)


@account_bp.before_request
def _storefront_only():
    if g.get("site") is None:
        abort(404)


@panel_bp.before_request
def _platform_only():
    if g.get("site") is not None:
        abort(404)


# -- the subscriber's --------------------------------------------------------------------------

@account_bp.route("/<int:document_id>.pdf")
@subscriber_required
def download(document_id: int):
    document = documents.find_document(g.site, document_id,
                                       subscriber=current_user._get_current_object())
    if document is None or document.kind not in SUBSCRIBER_KINDS:
        abort(404)
    return pdf_response(document, render_pdf(document, corrects=_corrected_number(document)))


def _corrected_number(document: Document) -> str | None:
    """A credit note's invoice number, printed on it."""
    if document.kind != "credit_note" or not document.source_id:
        return None
    corrected = db.session.get(Document, document.source_id)
    if corrected is None or corrected.partner_id != document.partner_id:
        return None
    return corrected.number


# -- the partner's -----------------------------------------------------------------------------

@panel_bp.route("/<int:document_id>.pdf")
@panel_route("admin")
def print_pdf(document_id: int):
    document = documents.find_document(g.partner, document_id)
    if document is None:
        abort(404)
    mark = request.args.get("mark", "original")
    if mark not in MARKS:
        abort(400)
    pdf = render_pdf(document, mark, issued_copy_on=local_today() if mark == "duplicate" else None,
                     corrects=_corrected_number(document))
    return pdf_response(document, pdf)


@panel_bp.route("/<int:document_id>/send", methods=["POST"])
@panel_route("admin")
def send(document_id: int):
    document = documents.find_document(g.partner, document_id)
    if document is None or document.kind not in SUBSCRIBER_KINDS:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    to = (document.buyer or {}).get("email", "")
    back = url_for(f"billing_panel.{document.kind}", slug=g.partner.slug,
                   document_id=document.id)
    if not to:
        flash(_("%(number)s has no buyer e-mail address: nothing was sent.",
                number=document.number))
        return redirect(back, code=303)
    send_document(g.partner, document, to)
    flash(_("%(number)s is sent to %(email)s.", number=document.number, email=to))
    return redirect(back, code=303)


# -- shared ------------------------------------------------------------------------------------

def pdf_response(document: Document, pdf: bytes) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{pdf_filename(document)}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


def pdf_filename(document: Document) -> str:
    """FV/2026/1 → FV-2026-1.pdf (a number is letters, digits and slashes)."""
    return document.number.replace("/", "-") + ".pdf"


def subscriber_link(partner: Tenant, document: Document) -> str:
    """The document's page in the subscriber's account on the partner's storefront."""
    path = url_for(f"billing_account.{document.kind}", document_id=document.id)
    return partner_url(partner, path)


def send_document(partner: Tenant, document: Document, to: str) -> None:
    """Queue a message to `to` in the document's language: its number, amount and link."""
    amount = Money(document.gross_minor, document.currency).format(document.language)
    link = subscriber_link(partner, document)
    with force_locale(document.language):
        if document.kind == "proforma":
            subject = _("Proforma %(number)s", number=document.number)
            body = _("Hello,\n\nyour proforma %(number)s from %(shop)s is ready: "
                     "%(amount)s to pay.\n\nSee it, pay it or download it as PDF here:\n"
                     "%(link)s\n", number=document.number, shop=partner.name, amount=amount,
                     link=link)
        else:
            subject = _("Invoice %(number)s", number=document.number)
            body = _("Hello,\n\nyour VAT invoice %(number)s from %(shop)s is ready: "
                     "%(amount)s.\n\nSee it or download it as PDF here:\n%(link)s\n",
                     number=document.number, shop=partner.name, amount=amount, link=link)
    queue_email(to, subject, body, partner_id=partner.id)
