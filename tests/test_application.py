"""ExampleApplication saves pending events atomically, per command, with no state shared between
applications or threads (issue 11); and run_command retries by deciding again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esnb import (
    ActiveRecord,
    AttributeChanged,
    ConcurrencyError,
    Example,
    ExampleApplication,
    SequencedItemRecord,
    SQLAlchemyDatastore,
    SQLAlchemySettings,
    create_new_example,
    run_command,
    subscribe,
    subscribers,
    unsubscribe,
)

THREADS = 4
COMMANDS = 50


def history(app: ExampleApplication, entity_id: UUID) -> list[tuple[str, int, Any]]:
    return [(type(e).__name__, e.originator_version, getattr(e, "value", getattr(e, "foo", None)))
            for e in app.event_store.get_domain_events(entity_id)]


def test_a_new_entity_holds_its_created_event_until_collected() -> None:
    entity = create_new_example("bar")
    entity.foo = "baz"
    assert [type(e).__name__ for e in entity.pending_events] == ["Created", "AttributeChanged"]
    collected = entity.collect_events()
    assert [e.originator_version for e in collected] == [0, 1]
    assert entity.pending_events == () and entity.collect_events() == []


def test_a_loaded_entity_has_no_pending_events(datastore: SQLAlchemyDatastore) -> None:
    app = ExampleApplication(datastore.session)
    made = app.create_new_example("bar")
    assert made.pending_events == ()
    assert app.example_repository[made.id].pending_events == ()


@pytest.mark.backends("sqlite-memory", "postgresql", "mysql")
def test_two_applications_on_one_database_each_store_their_own_events_once(datastore: SQLAlchemyDatastore) -> None:
    first, second = ExampleApplication(datastore.session), ExampleApplication(datastore.session)
    mine, theirs = first.create_new_example("mine"), second.create_new_example("theirs")
    mine.foo = "mine, changed"
    first.save(mine)
    assert history(first, mine.id) == [("Created", 0, "mine"), ("AttributeChanged", 1, "mine, changed")]
    assert history(second, theirs.id) == [("Created", 0, "theirs")]
    assert subscribers == []


def test_two_applications_on_two_databases_never_store_each_others_events() -> None:
    stores = []
    for _ in range(2):
        store = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri="sqlite:///:memory:"))
        store.setup_connection()
        store.setup_table(SequencedItemRecord)
        stores.append(store)
    first, second = (ExampleApplication(store.session) for store in stores)
    mine, theirs = first.create_new_example("mine"), second.create_new_example("theirs")
    assert (mine.id in first.example_repository, mine.id in second.example_repository) == (True, False)
    assert (theirs.id in second.example_repository, theirs.id in first.example_repository) == (True, False)
    for store in stores:
        store.close_connection()


def test_a_failed_save_stores_nothing_keeps_the_events_pending_and_tells_no_follower(
    datastore: SQLAlchemyDatastore,
) -> None:
    app = ExampleApplication(datastore.session)
    heard: list[Any] = []
    app.followers.append(heard.append)
    first, second = app.create_new_example("one"), app.create_new_example("two")
    heard.clear()
    stale = app.example_repository[second.id]
    fresh = app.example_repository[second.id]
    fresh.foo = "someone else"
    app.save(fresh)
    heard.clear()
    first.foo = "changed"
    stale.foo = "stale"
    with pytest.raises(ConcurrencyError):
        app.save(first, stale)
    assert heard == []
    assert history(app, first.id) == [("Created", 0, "one")]
    assert [type(e).__name__ for e in first.pending_events] == ["AttributeChanged"]
    assert app.save(first)[0].value == "changed"  # the kept events can still be saved
    assert [e.value for e in heard] == ["changed"]


def test_an_event_that_cannot_be_stored_stops_the_whole_save(datastore: SQLAlchemyDatastore) -> None:
    app = ExampleApplication(datastore.session)
    entity = app.example_repository[app.create_new_example("start").id]
    entity.foo = "draft"
    entity.foo = {"no", "json"}  # type: ignore[assignment]
    with pytest.raises(TypeError, match="set has no JSON form"):
        app.save(entity)
    assert history(app, entity.id) == [("Created", 0, "start")]


def test_followers_hear_stored_events_in_order_and_an_entity_given_twice_is_saved_once(
    datastore: SQLAlchemyDatastore,
) -> None:
    app = ExampleApplication(datastore.session)
    heard: list[Any] = []
    app.followers.append(heard.append)
    entity = create_new_example("a")
    entity.foo = "b"
    saved = app.save(entity, entity)
    assert [(type(e).__name__, e.originator_version) for e in heard] == [("Created", 0), ("AttributeChanged", 1)]
    assert saved == heard and entity.pending_events == ()
    assert app.save(entity) == [] and len(heard) == 2


def test_a_global_subscriber_never_decides_what_is_saved(datastore: SQLAlchemyDatastore) -> None:
    app = ExampleApplication(datastore.session)
    bystander: list[Any] = []
    subscribe(bystander.append)
    try:
        entity = create_new_example("not saved")
    finally:
        unsubscribe(bystander.append)
    assert len(bystander) == 1 and entity.id not in app.example_repository


@pytest.mark.backends("sqlite-file", "postgresql", "mysql")
def test_commands_in_threads_store_each_event_once_by_its_own_command(datastore: SQLAlchemyDatastore) -> None:
    """4 threads, 50 commands each, each thread on its own entity: no conflict, so no retry and no ConcurrencyError."""
    app = ExampleApplication(datastore.session)
    entity_ids = [app.create_new_example(f"thread {t}").id for t in range(THREADS)]
    attempts: dict[int, list[int]] = {t: [] for t in range(THREADS)}
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(t: int) -> None:
        try:
            start.wait(timeout=30)
            for i in range(COMMANDS):
                attempts[t].append(run_command(app, entity_ids[t], _set_foo(f"thread {t} command {i}"), attempts=1))
        except BaseException as error:  # the test reports every thread's error, not only the first
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish within 120 s"
    assert errors == []
    for t, entity_id in enumerate(entity_ids):
        assert attempts[t] == [1] * COMMANDS
        assert history(app, entity_id) == [("Created", 0, f"thread {t}")] + [
            ("AttributeChanged", i + 1, f"thread {t} command {i}") for i in range(COMMANDS)
        ]


def _set_foo(value: str) -> Callable[[Example], None]:
    def command(entity: Example) -> None:
        entity.foo = value

    return command


def test_run_command_decides_again_on_the_new_state(datastore: SQLAlchemyDatastore) -> None:
    app = ExampleApplication(datastore.session)
    entity_id = app.create_new_example("start").id
    seen: list[str] = []

    def add_bang(entity: Example) -> None:
        seen.append(entity.foo)
        if len(seen) == 1:  # another writer saves between this attempt's load and its save
            app.event_store.append(AttributeChanged(originator_id=entity_id, originator_version=entity.__version__,
                                                    name="foo", value="other"))
        entity.foo = entity.foo + "!"

    assert run_command(app, entity_id, add_bang) == 2
    assert seen == ["start", "other"]
    assert app.example_repository[entity_id].foo == "other!"


def test_run_command_gives_up_after_its_attempts_and_stores_nothing_of_them(datastore: SQLAlchemyDatastore) -> None:
    app = ExampleApplication(datastore.session)
    entity_id = app.create_new_example("start").id

    def always_raced(entity: Example) -> None:
        app.event_store.append(AttributeChanged(originator_id=entity_id, originator_version=entity.__version__,
                                                name="foo", value="other"))
        entity.foo = "mine"

    with pytest.raises(ConcurrencyError):
        run_command(app, entity_id, always_raced, attempts=2)
    assert [value for _, _, value in history(app, entity_id)] == ["start", "other", "other"]
    with pytest.raises(ValueError, match="attempts must be at least 1, not 0"):
        run_command(app, entity_id, always_raced, attempts=0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.booleans()), max_size=12))
def test_any_interleaving_of_applications_stores_each_saved_change_once(
    steps: list[tuple[int, int, bool]],
) -> None:
    """Three applications on one database, four entities: each step changes one entity through one
    application and saves it, or loses a race on purpose (a stale copy). Whatever the order, each entity's
    history is exactly the changes whose save returned, in order."""
    store = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri="sqlite:///:memory:"))
    store.setup_connection()
    store.setup_table(SequencedItemRecord)
    apps = [ExampleApplication(store.session) for _ in range(3)]
    ids = [apps[0].create_new_example(f"e{n}").id for n in range(4)]
    expected: dict[UUID, list[Any]] = {entity_id: [f"e{n}"] for n, entity_id in enumerate(ids)}
    for number, (a, n, stale) in enumerate(steps):
        app, entity_id = apps[a], ids[n]
        copy = app.example_repository[entity_id]
        if stale:
            ahead = apps[(a + 1) % 3].example_repository[entity_id]
            ahead.foo = f"ahead {number}"
            apps[(a + 1) % 3].save(ahead)
            expected[entity_id].append(f"ahead {number}")
        copy.foo = f"step {number}"
        try:
            app.save(copy)
        except ConcurrencyError:
            assert stale
        else:
            assert not stale
            expected[entity_id].append(f"step {number}")
    for entity_id in ids:
        assert [value for _, _, value in history(apps[0], entity_id)] == expected[entity_id]
    store.close_connection()
