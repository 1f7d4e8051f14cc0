"""engine facts v2: expiry-coded facts, per-unit totals, indexes for counting by expiry
and for reading a person's courses on a date

The facts are derived data: the old tables are dropped and built anew, then filled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 15:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _create_facts():
    op.create_table('requirement_facts',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('assigned', sa.Boolean(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('below', sa.Boolean(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_requirement_facts_person_id_personnel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirements.id'], name=op.f('fk_requirement_facts_requirement_id_requirements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'requirement_id', name=op.f('pk_requirement_facts')),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_requirement_facts_expiry', 'requirement_facts', ['assigned', 'unit_id', 'expires_on', 'requirement_id', 'below'], unique=False)
    op.create_table('person_facts',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('assigned', sa.Boolean(), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('qualified_until', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_person_facts_person_id_personnel'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_facts'))
    )
    op.create_index('ix_person_facts_unit', 'person_facts', ['assigned', 'unit_id', 'blocked', 'qualified_until'], unique=False)


def upgrade():
    op.drop_index('ix_requirement_facts_unit', table_name='requirement_facts')
    op.drop_index('ix_requirement_facts_requirement_id', table_name='requirement_facts')
    op.drop_table('requirement_facts')
    op.drop_index('ix_person_facts_unit', table_name='person_facts')
    op.drop_table('person_facts')
    _create_facts()
    op.create_table('unit_person_totals',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('assigned', sa.Integer(), nullable=False),
    sa.Column('blocked', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_person_totals'))
    )
    op.create_table('unit_requirement_totals',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.SmallInteger(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirements.id'], name=op.f('fk_unit_requirement_totals_requirement_id_requirements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'requirement_id', 'state', name=op.f('pk_unit_requirement_totals'))
    )
    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.create_index('ix_completions_standing', ['person_id', 'course_id', 'revoked', 'completed_on', 'expires_on'], unique=False)

    # The derived data of the people already stored is computed by the latest migration
    # that changes the derived tables (0008), with the engine's statements of that shape.


def downgrade():
    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.drop_index('ix_completions_standing')
    op.drop_table('unit_requirement_totals')
    op.drop_table('unit_person_totals')
    op.drop_index('ix_person_facts_unit', table_name='person_facts')
    op.drop_table('person_facts')
    op.drop_index('ix_requirement_facts_expiry', table_name='requirement_facts')
    op.drop_table('requirement_facts')
    # Back to the 0002 shape, empty (derived data).
    op.create_table('requirement_facts',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('assigned', sa.Boolean(), nullable=False),
    sa.Column('state', sa.SmallInteger(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_requirement_facts_person_id_personnel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirements.id'], name=op.f('fk_requirement_facts_requirement_id_requirements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'requirement_id', name=op.f('pk_requirement_facts'))
    )
    op.create_index('ix_requirement_facts_requirement_id', 'requirement_facts', ['requirement_id'], unique=False)
    op.create_index('ix_requirement_facts_unit', 'requirement_facts', ['assigned', 'unit_id', 'requirement_id', 'state', 'expires_on'], unique=False)
    op.create_table('person_facts',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('assigned', sa.Boolean(), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('qualified_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_person_facts_person_id_personnel'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_facts'))
    )
    op.create_index('ix_person_facts_unit', 'person_facts', ['assigned', 'unit_id', 'blocked', 'qualified_until'], unique=False)
