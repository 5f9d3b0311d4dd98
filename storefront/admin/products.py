"""The product catalogue: SSL certificates and hosting plans with wholesale prices per term (1, 12
and 24 months). Edit pages live at /admin/products/<code>/edit, beside /admin/products/new."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from storefront import transaction
from storefront.admin.blueprint import bp
from storefront.admin.product_forms import KIND_LABELS, NewProductForm, ProductTermsForm
from storefront.auth import admin_required
from storefront.models.catalog import PRODUCT_TERMS, Product
from storefront.money import Money
from storefront.services import catalog, products


def _product_or_404(code: str) -> Product:
    product = products.get_product(code)
    if product is None:
        abort(404)
    return product


@bp.route("/products")
@admin_required
def product_list():
    return render_template("admin/products.html", products=products.list_products(),
                           terms=PRODUCT_TERMS, kinds=KIND_LABELS, price=catalog.format_price)


@bp.route("/products/new", methods=["GET", "POST"])
@admin_required
def product_new():
    form = NewProductForm()
    if form.validate_on_submit():
        product = transaction.submit(
            form, lambda: products.create_product(form.code.data or "", form.details()))
        if not transaction.refused(product):
            flash(f"Added {product.name}; now set its wholesale prices.")
            return redirect(url_for("admin.product_edit", code=product.code))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/product_new.html", form=form), status


@bp.route("/products/<code>/edit", methods=["GET", "POST"])
@admin_required
def product_edit(code: str):
    product = _product_or_404(code)
    form = ProductTermsForm(data=_current(product))
    if form.validate_on_submit():
        result = transaction.submit(form, lambda: products.save_product(
            product, form.details(), form.prices(request.form), form.currency.data or ""))
        if not transaction.refused(result):
            flash(f"Saved {product.name}.")
            return redirect(url_for("admin.product_edit", code=product.code))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/product.html", product=product, form=form, terms=PRODUCT_TERMS,
                           kinds=KIND_LABELS, price=catalog.format_price), status


@bp.route("/products/<code>/enabled", methods=["POST"])
@admin_required
def product_enabled(code: str):
    product = _product_or_404(code)
    enabled = request.form.get("enabled") == "1"
    products.set_enabled(product, enabled)
    flash(f"{product.name} is {'offered again' if enabled else 'no longer offered'}.")
    return redirect(url_for("admin.product_list"))


def _current(product: Product) -> dict:
    data = {"kind": product.kind, "name": product.name, "description": product.description,
            "currency": product.terms[0].currency if product.terms else "PLN"}
    for term in product.terms:
        data[f"price_{term.months}"] = Money(term.wholesale_price, term.currency).plain()
    return data
