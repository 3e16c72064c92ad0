"""customers.language: ISO 639-1 codes only, as every reader of it compares them

Discord gave a new customer's locale as "en-US" (Telegram's can be "pt-br") and it was stored
as given; the bot's catalogs, the knowledge base's translations and the language routes compare
it with two-letter codes. New customers are stored with the code (``models.language_code``);
this cuts the tags already stored. There is no way back to the tags, nor any need.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE customers SET language = lower(substr(language, 1, 2)) "
        "WHERE length(language) > 2 AND substr(language, 3, 1) IN ('-', '_')"
    )


def downgrade() -> None:
    pass  # the regional part is gone; a two-letter code is valid under the old schema too
