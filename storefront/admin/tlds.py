"""The TLD catalogue: the filterable list, adding one TLD, importing a CSV file, editing a TLD.

Edit pages live at /admin/tlds/<name>/edit, not /admin/tlds/<name>: "add" and "import" could
one day be TLDs too, and must never be mistaken for one.
"""

from __future__ import annotations

import csv
import io

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage

from storefront import transaction
from storefront.admin.blueprint import PER_PAGE, bp
from storefront.admin.tld_forms import AddTldForm, ImportTldsForm, TldTermsForm
from storefront.auth import admin_required
from storefront.db import db
from storefront.models.catalog import TLD_KINDS, Tld
from storefront.money import Money
from storefront.services import catalog, tld_admin


def _tld_or_404(name: str) -> Tld:
    tld = catalog.get_tld(name)
    if tld is None:
        abort(404)
    return tld


def _add_form(data: dict | None = None) -> AddTldForm:
    form = AddTldForm(data=data)
    form.set_backends(tld_admin.configured_backends())
    return form


@bp.route("/tlds")
@admin_required
def tld_list():
    return _render_list(_add_form(), ImportTldsForm())


def _render_list(add_form: AddTldForm, import_form: ImportTldsForm,
                 import_errors: list[str] | None = None, status: int = 200):
    query = request.args.get("q", "")[:100]
    kind = request.args.get("kind", "")
    if kind not in TLD_KINDS:
        kind = ""
    page = db.paginate(tld_admin.search(query, kind), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/tlds.html",
        page=page,
        query=query,
        kind=kind,
        kinds=TLD_KINDS,
        price=catalog.format_price,
        add_form=add_form,
        import_form=import_form,
        import_errors=import_errors or [],
    ), status


@bp.route("/tlds/add", methods=["POST"])
@admin_required
def tld_add():
    form = _add_form()
    if form.validate_on_submit():
        tld = transaction.submit(form, lambda: tld_admin.create_tld(
            form.name.data, form.kind.data, form.currency.data, form.terms(),
            tld_admin.configured_backends()))
        if not transaction.refused(tld):
            flash(f"Added .{tld.unicode_name} to the catalogue.")
            return redirect(url_for("admin.tld_edit", name=tld.name))
    return _render_list(form, ImportTldsForm(), status=400)


@bp.route("/tlds/import", methods=["POST"])
@admin_required
def tld_import():
    form = ImportTldsForm()
    errors: list[str] = []
    if form.validate_on_submit():
        result = transaction.submit(None, lambda: _import(form.file.data))
        if not transaction.refused(result):
            flash(f"Imported the catalogue: created {len(result.created)}, "
                  f"updated {len(result.updated)}.")
            return redirect(url_for("admin.tld_list"))
        errors = [line for _field, line in result.error.field_errors()]
    return _render_list(_add_form(), form, import_errors=errors, status=400)


def _import(upload: FileStorage) -> catalog.CatalogueImport:
    try:
        text = upload.read().decode("utf-8-sig")
        return catalog.import_catalogue(io.StringIO(text, newline=""),
                                        tld_admin.configured_backends())
    except UnicodeDecodeError:
        raise catalog.CatalogueError(
            ["The file is not UTF-8 text: save it as “CSV UTF-8” and try again."]) from None
    except csv.Error as error:  # e.g. a NUL byte or an endless quoted field
        raise catalog.CatalogueError([f"The file is not a readable CSV file ({error})."]) from None


@bp.route("/tlds/<name>/edit", methods=["GET", "POST"])
@admin_required
def tld_edit(name: str):
    tld = _tld_or_404(name)
    form = TldTermsForm(data=_current_terms(tld))
    form.set_backends(tld_admin.configured_backends(), current=tld.backend)
    if form.validate_on_submit():
        result = transaction.submit(
            form, lambda: tld_admin.update_tld(tld, form.terms(), tld_admin.configured_backends()))
        if not transaction.refused(result):
            below = tld_admin.partners_selling_below_wholesale(tld)
            flash(f"Saved .{tld.unicode_name}.")
            if below:
                flash(f"{below} partner(s) now sell .{tld.unicode_name} below the wholesale "
                      f"price; they should raise their prices.", "warning")
            return redirect(url_for("admin.tld_edit", name=tld.name))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/tld.html", tld=tld, form=form,
                           price=catalog.format_price), status


def _current_terms(tld: Tld) -> dict:
    return {
        "register": _plain(tld.register_price, tld.currency),
        "renew": _plain(tld.renew_price, tld.currency),
        "transfer": _plain(tld.transfer_price, tld.currency),
        "min_years": tld.min_years,
        "max_years": tld.max_years,
        "idn_allowed": tld.idn_allowed,
        "backend": tld.backend,
        "enabled": tld.enabled,
    }


def _plain(amount_minor: int, currency: str) -> str:
    """Minor units as the admin types them back: 3900 PLN → "39.00" (no symbol, no grouping)."""
    return Money(amount_minor, currency).plain()
