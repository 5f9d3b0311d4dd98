"""The storefront application factory. Nothing happens at import time."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        static_folder=None,
    )
    from storefront import config

    config.load(app, test_config)

    from flask_wtf.csrf import CSRFProtect

    from storefront import (
        auth,
        caches,
        cli,
        errors,
        i18n,
        limits,
        routing,
        security,
        themes,
        transaction,
    )
    from storefront.db import db, migrate

    db.init_app(app)
    caches.init_app(app)
    transaction.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    app.extensions["csrf"] = CSRFProtect(app)
    limits.init_app(app)
    auth.init_app(app)
    themes.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    routing.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    from billing import document_views
    from billing.account import bp as billing_account_bp
    from billing.domain_views import bp as billing_domains_bp
    from billing.panel import bp as billing_panel_bp
    from billing.pricing_panel import bp as billing_pricing_bp
    from billing.stripe_views import connect_bp as stripe_connect_bp
    from billing.stripe_views import webhook_bp as stripe_webhook_bp
    from cms_pages.panel import bp as cms_panel_bp
    from storefront.account import bp as account_bp
    from storefront.admin import bp as admin_bp
    from storefront.panel import bp as panel_bp
    from storefront.platform import bp as platform_bp
    from storefront.site import bp as site_bp
    from storefront.site.cart import bp as cart_bp
    from widgets import bp as frames_bp
    from widgets import static_bp as frames_static_bp

    app.register_blueprint(platform_bp)
    app.register_blueprint(panel_bp)
    app.register_blueprint(cms_panel_bp)
    app.register_blueprint(billing_panel_bp)
    app.register_blueprint(billing_pricing_bp)
    app.register_blueprint(stripe_connect_bp)
    app.register_blueprint(stripe_webhook_bp)
    app.extensions["csrf"].exempt(stripe_webhook_bp)  # Stripe signs its events instead
    app.register_blueprint(admin_bp)
    app.register_blueprint(frames_bp)
    app.register_blueprint(frames_static_bp)
    app.extensions["csrf"].exempt(frames_bp)  # frames carry their own token: widgets/policy.py
    app.extensions["csrf"].exempt("storefront.site.cart.import_cart")  # checks Origin or token
    app.register_blueprint(account_bp)
    app.register_blueprint(billing_account_bp)
    app.register_blueprint(billing_domains_bp)
    document_views.init_app(app)  # the documents' PDFs and sending, panel and account
    app.register_blueprint(cart_bp)
    app.register_blueprint(site_bp)
    return app
