"""Checks for the exercises of notebook 10 · Concurrent writers.

Races are staged step by step, as the notebook does: no threads and no timing. The check hands the
learner's code a repository that lets another writer change the entity just after it is first loaded.
Each check runs on a datastore of its own from `esnb.exercises.scratch_store`: the course's database
(SQLite in memory unless ESNB_DATABASE_URL names another), new random ids, and their rows removed afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from esnb.exercises import RacingRepository, Wrong, another_writer_sets_foo, call, report, scratch_store


def check_add_suffix(add_suffix: Callable[[Any, UUID, str], int], url: str | None = None) -> None:
    """Exercise 10.1: `add_suffix(app, entity_id, suffix)` appends to foo, keeping others' changes, and retries."""
    report("Exercise 10.1", lambda: _add_suffix(add_suffix, url))


def check_edit_foo(edit_foo: Callable[[Any, UUID, str, int], int], url: str | None = None) -> None:
    """Exercise 10.2: `edit_foo(app, entity_id, foo, seen_version)` never overwrites a change the person never saw."""
    report("Exercise 10.2", lambda: _edit_foo(edit_foo, url))



def _add_suffix(add_suffix: Callable[[Any, UUID, str], int], url: str | None) -> str:
    from esnb.course.application import ExampleApplication
    from esnb.course.errors import ConcurrencyError

    with scratch_store(url) as scratch:
        app = ExampleApplication(scratch.datastore.session)
        entity_id = scratch.track(app.create_new_example(foo="start").id)

        quiet = "with no other writer"
        attempts = call(quiet, add_suffix, app, entity_id, "-bob", passing=(ConcurrencyError,))
        foo = app.example_repository[entity_id].foo
        if foo == "start":
            raise Wrong(f"{quiet}, foo was still 'start': a change is stored only when the entity is saved.")
        if foo != "start-bob":
            raise Wrong(f"{quiet}, foo became {foo!r}, not 'start-bob'.")
        if attempts != 1:
            raise Wrong(f"{quiet}, add_suffix returned {attempts!r}, not 1: return how many attempts it took.")

        repository = app.example_repository
        app.example_repository = RacingRepository(  # type: ignore[assignment]
            repository, entity_id, another_writer_sets_foo(app.event_store, "-alice"))
        race = "when another writer saved first"
        try:
            attempts = call(race, add_suffix, app, entity_id, "-carol", passing=(ConcurrencyError,))
        except ConcurrencyError:
            raise Wrong(f"{race}, add_suffix raised ConcurrencyError: this command may simply be tried again, "
                        "from the entity as it is now.") from None
        finally:
            app.example_repository = repository
        foo = app.example_repository[entity_id].foo
        if foo == "start-bob-carol":
            raise Wrong(f"{race}, their change ('-alice') was lost: each attempt must work the new value out again, "
                        "from the entity that attempt loaded.")
        if foo != "start-bob-alice-carol":
            raise Wrong(f"{race}, foo became {foo!r}, not 'start-bob-alice-carol'.")
        if attempts != 2:
            raise Wrong(f"{race}, add_suffix returned {attempts!r}, not 2: return how many attempts it took.")
    return "add_suffix retries on the newer state, so no one's change is lost."


def _edit_foo(edit_foo: Callable[[Any, UUID, str, int], int], url: str | None) -> str:
    from esnb.course.application import ExampleApplication
    from esnb.course.errors import ConcurrencyError

    with scratch_store(url) as scratch:
        app = ExampleApplication(scratch.datastore.session)
        entity = app.create_new_example(foo="start")
        entity.foo = "seen by Bob"
        app.save(entity)
        entity_id = scratch.track(entity.id)

        def stored_foo() -> str:
            return str(app.example_repository[entity_id].foo)

        current = "when the entity was still at the version Bob saw (2)"
        version = call(current, edit_foo, app, entity_id, "Bob's edit", 2, passing=(ConcurrencyError,))
        if stored_foo() != "Bob's edit":
            raise Wrong(f"{current}, foo stayed {stored_foo()!r}: an edit that matches what Bob saw is stored.")
        if version != 3:
            raise Wrong(f"{current}, edit_foo returned {version!r}, not 3, the version the edit reached.")

        stale = "when Bob had seen version 2 but the entity was at version 3"
        try:
            call(stale, edit_foo, app, entity_id, "Bob's stale edit", 2, passing=(ConcurrencyError,))
        except ConcurrencyError as error:
            if "2" not in str(error) or "3" not in str(error):
                raise Wrong(f"{stale}, the ConcurrencyError said {str(error)!r}: say which version Bob saw and "
                            "which it is at now, so he knows he must look again.") from None
        else:
            raise Wrong(f"{stale}, edit_foo stored the edit over a change Bob never saw. Bob decided with version 2 "
                        "in front of him: refuse, and tell him.")
        if stored_foo() != "Bob's edit":
            raise Wrong(f"{stale}, foo became {stored_foo()!r}: a refused edit stores nothing.")

        repository = app.example_repository
        alice = another_writer_sets_foo(app.event_store, ", then Alice's change")
        racing = RacingRepository(repository, entity_id, alice)
        app.example_repository = racing  # type: ignore[assignment]
        race = "when Alice saved a change just after edit_foo loaded the entity"
        try:
            call(race, edit_foo, app, entity_id, "Bob's racing edit", 3, passing=(ConcurrencyError,))
        except ConcurrencyError:
            pass
        else:
            raise Wrong(f"{race}, edit_foo stored Bob's edit over hers. A change can land after your version check: "
                        "save the very copy you checked, so the store refuses it, and let that refusal reach Bob.")
        finally:
            app.example_repository = repository
        if racing.loads > 1:
            raise Wrong(f"{race}, edit_foo loaded the entity {racing.loads} times: after a conflict, a person's edit "
                        "is not tried again. The conflict goes back to Bob, who decides with the new version in view.")
        if stored_foo() != "Bob's edit, then Alice's change":
            raise Wrong(f"{race}, foo became {stored_foo()!r}, not Alice's value: Bob's edit must not be stored.")
    return "edit_foo stores an edit only on the version Bob saw, and shows him every conflict."
