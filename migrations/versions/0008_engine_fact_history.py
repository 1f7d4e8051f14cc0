"""engine: each fact keeps the history of its standing (first, latest and prior record), so
that a past date reads the records only for the few pairs with two records since

The facts are derived data: the new columns are filled by recomputing every fact.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requirement_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('last_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('prior_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('prior_below', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('prior_expires_on', sa.Date(), nullable=True))

    # Compute the derived data of the people already stored, with the engine's own
    # statements. They fit the latest schema only: when a later migration changes the
    # derived tables, move this there. A new database has no people: nothing to run.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM personnel")).scalar():
        from readiness.engine import facts, rules

        for statement in facts.statements(rules.everyone) + facts.total_statements(rules.everyone):
            bind.execute(statement)


def downgrade():
    with op.batch_alter_table('requirement_facts', schema=None) as batch_op:
        batch_op.drop_column('prior_expires_on')
        batch_op.drop_column('prior_below')
        batch_op.drop_column('prior_on')
        batch_op.drop_column('last_on')
        batch_op.drop_column('first_on')
