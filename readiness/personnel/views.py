"""Personnel endpoints of the JSON API."""

from flask_smorest import Blueprint

blp = Blueprint("personnel", __name__, url_prefix="/api/v1/personnel", description="Personnel")
