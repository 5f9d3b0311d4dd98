from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Model, PartnerOwned, utcnow


class Page(PartnerOwned, Model):
    __table_args__ = (UniqueConstraint("partner_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "" is the home page; other slugs are one path segment.
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    menu_title: Mapped[str] = mapped_column(String(60), default="")
    menu_position: Mapped[int] = mapped_column(default=0)
    show_in_menu: Mapped[bool] = mapped_column(default=True)
    # Legal documents and other small print: linked from the storefront's footer.
    show_in_footer: Mapped[bool] = mapped_column(default=False)
    seo_title: Mapped[str] = mapped_column(String(200), default="")
    seo_description: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The body rendered to sanitised HTML when the page is saved, not on every request.
    body_html: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
