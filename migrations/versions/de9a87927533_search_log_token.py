"""search log token: the id of one search as typed, so rows written in batches still fold into one per search

Revision ID: de9a87927533
Revises: 5d2b8f0c4e17
Create Date: 2026-12-01 08:32:52.580776

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'de9a87927533'
down_revision = '5d2b8f0c4e17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_search_log_token'), ['token'])


def downgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_search_log_token'), type_='unique')
        batch_op.drop_column('token')
