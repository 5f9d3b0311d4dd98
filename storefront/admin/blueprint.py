from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Lists show this many rows a page: there may be tens of thousands of partners.
PER_PAGE = 50
