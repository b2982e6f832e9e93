"""search learning: the searched phrase on a request, corrections in the search log, removed pairs, form events

Revision ID: 3b8e5d1c7a42
Revises: 7c1f4b2a9d3e
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8e5d1c7a42'
down_revision = '7c1f4b2a9d3e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_phrase', sa.String(length=200), nullable=True))
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrected', sa.String(length=200), nullable=True))
    op.create_table('search_removed_pair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phrase', sa.String(length=200), nullable=False),
    sa.Column('topic_key', sa.String(length=201), nullable=False),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['removed_by_id'], ['user_account.id'], name=op.f('fk_search_removed_pair_removed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_removed_pair')),
    sa.UniqueConstraint('phrase', 'topic_key', name=op.f('uq_search_removed_pair_phrase'))
    )
    op.create_table('search_form_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('submission_id', sa.String(length=64), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('topic_key', sa.String(length=201), nullable=False),
    sa.Column('target', sa.String(length=201), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_search_form_event_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_form_event'))
    )
    with op.batch_alter_table('search_form_event', schema=None) as batch_op:
        batch_op.create_index('ix_search_form_event_kind_created_at', ['kind', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('search_form_event', schema=None) as batch_op:
        batch_op.drop_index('ix_search_form_event_kind_created_at')
    op.drop_table('search_form_event')
    op.drop_table('search_removed_pair')
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_column('corrected')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('search_phrase')
