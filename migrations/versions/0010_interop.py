"""interop: OCC E&F evaluations and their areas, PCRS pledges and their milestones

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 18:24:12.083748

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('occ_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=8), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('evaluators', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('re_evaluation_due', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('interoperable', 'partially_interoperable', 'not_interoperable')", name=op.f('ck_occ_evaluations_outcome_known')),
    sa.CheckConstraint("step IN ('SEL-1', 'NEL-1', 'SEL-2', 'NEL-2')", name=op.f('ck_occ_evaluations_step_known')),
    sa.CheckConstraint('ended_on >= started_on', name=op.f('ck_occ_evaluations_ends_after_start')),
    sa.CheckConstraint('re_evaluation_due IS NULL OR re_evaluation_due > ended_on', name=op.f('ck_occ_evaluations_due_after_end')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_occ_evaluations_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occ_evaluations')),
    sa.UniqueConstraint('unit_id', 'step', 'started_on', name=op.f('uq_occ_evaluations_unit_id_step_started_on'))
    )
    op.create_table('pcrs_pledges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('capability', sa.String(length=200), nullable=False),
    sa.Column('strength', sa.Integer(), nullable=True),
    sa.Column('pledged_on', sa.Date(), nullable=False),
    sa.Column('days_to_deploy', sa.Integer(), nullable=True),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('days_to_deploy IS NULL OR days_to_deploy > 0', name=op.f('ck_pcrs_pledges_days_positive')),
    sa.CheckConstraint('strength IS NULL OR strength > 0', name=op.f('ck_pcrs_pledges_strength_positive')),
    sa.CheckConstraint('withdrawn_on IS NULL OR withdrawn_on > pledged_on', name=op.f('ck_pcrs_pledges_withdrawn_after_pledge')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_pcrs_pledges_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pcrs_pledges')),
    sa.UniqueConstraint('unit_id', 'pledged_on', name=op.f('uq_pcrs_pledges_unit_id_pledged_on'))
    )
    with op.batch_alter_table('pcrs_pledges', schema=None) as batch_op:
        batch_op.create_index('uq_pcrs_pledges_open', ['unit_id'], unique=True, sqlite_where=sa.text('withdrawn_on IS NULL'), postgresql_where=sa.text('withdrawn_on IS NULL'))

    op.create_table('occ_evaluation_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=120), nullable=False),
    sa.Column('result', sa.String(length=30), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.CheckConstraint("result IN ('interoperable', 'partially_interoperable', 'not_interoperable', 'not_evaluated')", name=op.f('ck_occ_evaluation_areas_result_known')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['occ_evaluations.id'], name=op.f('fk_occ_evaluation_areas_evaluation_id_occ_evaluations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occ_evaluation_areas')),
    sa.UniqueConstraint('evaluation_id', 'area', name=op.f('uq_occ_evaluation_areas_evaluation_id_area'))
    )
    op.create_table('pcrs_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('dated_on', sa.Date(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('note_verbale', 'table_of_organisation', 'major_equipment', 'self_sustainment', 'aav', 'mou_draft', 'load_lists', 'rdl_verification', 'rdl_agreement', 'update')", name=op.f('ck_pcrs_milestones_kind_known')),
    sa.CheckConstraint("result IS NULL OR (result IN ('successful', 'unsuccessful') AND kind IN ('aav', 'rdl_verification'))", name=op.f('ck_pcrs_milestones_result_of_visits_only')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pcrs_pledges.id'], name=op.f('fk_pcrs_milestones_pledge_id_pcrs_pledges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pcrs_milestones')),
    sa.UniqueConstraint('pledge_id', 'kind', 'dated_on', name=op.f('uq_pcrs_milestones_pledge_id_kind_dated_on'))
    )


def downgrade():
    op.drop_table('pcrs_milestones')
    op.drop_table('occ_evaluation_areas')
    with op.batch_alter_table('pcrs_pledges', schema=None) as batch_op:
        batch_op.drop_index('uq_pcrs_pledges_open', sqlite_where=sa.text('withdrawn_on IS NULL'), postgresql_where=sa.text('withdrawn_on IS NULL'))

    op.drop_table('pcrs_pledges')
    op.drop_table('occ_evaluations')
