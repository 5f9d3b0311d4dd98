"""The subscriber account on a partner's storefront: /account/… (log in, sign up, verify, reset,
the frame hand-off, and the subscriber panel)."""

from storefront.account import handoff  # noqa: F401  (its routes join the blueprint)
from storefront.account.views import bp

__all__ = ["bp"]
