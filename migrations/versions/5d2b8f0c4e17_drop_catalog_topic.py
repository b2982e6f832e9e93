"""drop catalog_topic: nothing read the topics mirrored by `flask content load`

Revision ID: 5d2b8f0c4e17
Revises: 9a4e2c71b5d0
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2b8f0c4e17'
down_revision = '9a4e2c71b5d0'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('catalog_topic')


def downgrade():
    op.create_table('catalog_topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_slug', sa.String(length=100), nullable=False),
    sa.Column('topic_slug', sa.String(length=100), nullable=False),
    sa.Column('category_title', sa.String(length=200), nullable=False),
    sa.Column('topic_title', sa.String(length=200), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_topic')),
    sa.UniqueConstraint('category_slug', 'topic_slug', name=op.f('uq_catalog_topic_category_slug'))
    )
