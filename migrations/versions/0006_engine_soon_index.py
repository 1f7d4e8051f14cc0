"""engine: index of the assigned people's facts by expiry (whole-force questions on PostgreSQL)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requirement_facts', schema=None) as batch_op:
        batch_op.create_index('ix_requirement_facts_soon', ['expires_on', 'unit_id', 'requirement_id', 'below'], unique=False, postgresql_where=sa.text('assigned'), sqlite_where=sa.text('assigned = 1'))


def downgrade():
    with op.batch_alter_table('requirement_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_requirement_facts_soon', postgresql_where=sa.text('assigned'), sqlite_where=sa.text('assigned = 1'))
