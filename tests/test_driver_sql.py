"""The strategy's driver SQL: sequence ids of any column type go to the driver and back as SQLAlchemy sends them."""

import uuid

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.mysql import LONGTEXT
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy_utils import UUIDType

from esnb import SequencedItem, SQLAlchemyActiveRecordStrategy, SQLAlchemyDatastore


class OtherRecord(DeclarativeBase):
    """A base of its own, so these tables stay apart from the course's."""


class TextIdRecord(OtherRecord):
    """Sequence ids kept as 32 hex characters: a column type the driver SQL has no shortcut for."""

    __tablename__ = "text_id_items"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sequence_id: Mapped[uuid.UUID] = mapped_column(UUIDType(binary=False, native=False))
    position: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(String(255))
    data: Mapped[str] = mapped_column(Text().with_variant(LONGTEXT, "mysql", "mariadb"))
    __table_args__ = (UniqueConstraint("sequence_id", "position", name="text_id_items_sequence_position"),)


def test_a_sequence_id_column_of_another_type_round_trips(datastore: SQLAlchemyDatastore) -> None:
    datastore.setup_table(TextIdRecord)
    strategy = SQLAlchemyActiveRecordStrategy(session=datastore.session, active_record_class=TextIdRecord)
    first, second = uuid.UUID(int=1), uuid.uuid4()
    items = [SequencedItem(first, 0, "t:A", "{}"), SequencedItem(first, 1, "t:B", '{"x":1}'),
             SequencedItem(second, 0, "t:C", "{}")]
    strategy.append(items)
    assert strategy.list_items(first) == items[:2]
    assert strategy.list_items(second, gte=0, limit=1) == items[2:]
    assert [item for _, item in strategy.read_all()] == sorted(items, key=lambda item: (item.sequence_id.int,
                                                                                        item.position))
    with datastore.engine.connect() as connection:  # stored as SQLAlchemy itself stores it: 32 hex characters
        stored = connection.execute(TextIdRecord.__table__.select().order_by(TextIdRecord.id)).all()
    assert [row.sequence_id for row in stored] == [first, first, second]
