"""glossary: concepts and their forms per language (seeded by `rndd init`)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('glossary_concept',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_concept')),
    sa.UniqueConstraint('name', name=op.f('uq_glossary_concept_name'))
    )
    op.create_table('glossary_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concept_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('text', sa.String(length=120), nullable=False),
    sa.Column('register', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['concept_id'], ['glossary_concept.id'], name=op.f('fk_glossary_form_concept_id_glossary_concept'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_form')),
    sa.UniqueConstraint('concept_id', 'language', 'text', name=op.f('uq_glossary_form_concept_id'))
    )
    with op.batch_alter_table('glossary_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_glossary_form_concept_id'), ['concept_id'], unique=False)


def downgrade():
    with op.batch_alter_table('glossary_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_glossary_form_concept_id'))

    op.drop_table('glossary_form')
    op.drop_table('glossary_concept')
