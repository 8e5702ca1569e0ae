"""lessons: a status of their own (draft, review, published)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 18:20:00.000000

A lesson added to a published course now starts as a draft. Every lesson that exists already
was readable with its course, so it becomes "published" (the server default fills them in).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='published', nullable=False))


def downgrade():
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_column('status')
