"""outbox: permanent delivery failures

Revision ID: 7c1f0a2d9b3e
Revises: e533b98df070
Create Date: 2026-12-01 04:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7c1f0a2d9b3e'
down_revision = 'e533b98df070'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('failed_at')
