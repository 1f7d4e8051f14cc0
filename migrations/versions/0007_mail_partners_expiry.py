"""mail: the outbox and stored files; expiry warnings sent; partners, report documents and deliveries

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 18:22:17.208083

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resent_from_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name=op.f('ck_outbox_messages_status_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_messages_attempts_not_negative')),
    sa.ForeignKeyConstraint(['resent_from_id'], ['outbox_messages.id'], name=op.f('fk_outbox_messages_resent_from_id_outbox_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('emails', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('edition', sa.String(length=10), nullable=False),
    sa.Column('schedule', sa.String(length=120), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("edition IN ('partner', 'full')", name=op.f('ck_partners_edition_known')),
    sa.CheckConstraint("language IN ('en', 'az')", name=op.f('ck_partners_language_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_next_due_at'), ['next_due_at'], unique=False)

    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
    sa.UniqueConstraint('sha256', name=op.f('uq_stored_files_sha256'))
    )
    op.create_table('outbox_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_outbox_attachments_file_id_stored_files')),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_outbox_attachments_message_id_outbox_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachments'))
    )
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attachments_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_attachments_message_id'), ['message_id'], unique=False)

    op.create_table('partner_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('edition', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('trigger', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('resent_from_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("trigger IN ('schedule', 'manual', 'resend')", name=op.f('ck_partner_deliveries_trigger_known')),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_partner_deliveries_message_id_outbox_messages')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_deliveries_partner_id_partners')),
    sa.ForeignKeyConstraint(['resent_from_id'], ['partner_deliveries.id'], name=op.f('fk_partner_deliveries_resent_from_id_partner_deliveries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_deliveries'))
    )
    with op.batch_alter_table('partner_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_deliveries_message_id'), ['message_id'], unique=False)
        batch_op.create_index('ix_partner_deliveries_partner', ['partner_id', 'id'], unique=False)

    op.create_table('partner_units',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_units_partner_id_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_partner_units_unit_id_units')),
    sa.PrimaryKeyConstraint('partner_id', 'unit_id', name=op.f('pk_partner_units'))
    )
    with op.batch_alter_table('partner_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_units_unit_id'), ['unit_id'], unique=False)

    op.create_table('report_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.String(length=60), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('edition', sa.String(length=10), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_report_documents_file_id_stored_files')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_documents_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_documents')),
    sa.UniqueConstraint('document_id', name=op.f('uq_report_documents_document_id'))
    )
    with op.batch_alter_table('report_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_documents_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_documents_unit_id'), ['unit_id'], unique=False)

    op.create_table('expiry_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('threshold', sa.SmallInteger(), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_expiry_warnings_person_id_personnel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requirement_id'], ['requirements.id'], name=op.f('fk_expiry_warnings_requirement_id_requirements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expiry_warnings')),
    sa.UniqueConstraint('person_id', 'requirement_id', 'expires_on', 'threshold', name='uq_expiry_warnings_key')
    )
    with op.batch_alter_table('expiry_warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expiry_warnings_requirement_id'), ['requirement_id'], unique=False)

    op.create_table('partner_delivery_documents',
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['partner_deliveries.id'], name=op.f('fk_partner_delivery_documents_delivery_id_partner_deliveries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['report_documents.id'], name=op.f('fk_partner_delivery_documents_document_id_report_documents')),
    sa.PrimaryKeyConstraint('delivery_id', 'document_id', name=op.f('pk_partner_delivery_documents'))
    )
    with op.batch_alter_table('partner_delivery_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_delivery_documents_document_id'), ['document_id'], unique=False)



def downgrade():
    with op.batch_alter_table('partner_delivery_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_delivery_documents_document_id'))

    op.drop_table('partner_delivery_documents')
    with op.batch_alter_table('expiry_warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expiry_warnings_requirement_id'))

    op.drop_table('expiry_warnings')
    with op.batch_alter_table('report_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_documents_unit_id'))
        batch_op.drop_index(batch_op.f('ix_report_documents_file_id'))

    op.drop_table('report_documents')
    with op.batch_alter_table('partner_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_units_unit_id'))

    op.drop_table('partner_units')
    with op.batch_alter_table('partner_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_deliveries_partner')
        batch_op.drop_index(batch_op.f('ix_partner_deliveries_message_id'))

    op.drop_table('partner_deliveries')
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attachments_message_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_attachments_file_id'))

    op.drop_table('outbox_attachments')
    op.drop_table('stored_files')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_next_due_at'))

    op.drop_table('partners')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_due')

    op.drop_table('outbox_messages')
