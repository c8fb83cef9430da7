"""Checks for the exercises of notebook 09 · The application.

Each check builds the learner's application on a datastore of its own on the course's database
(see `esnb.exercises.scratch_store`), and removes its rows afterwards. To stage a race, a check
hands the learner's code a repository that lets another writer change an entity just after it is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import RacingRepository, Wrong, another_writer_sets_foo, call, report, scratch_store


def check_swap_foo(swap_foo: Callable[[Any, UUID, UUID], None], url: str | None = None) -> None:
    """Exercise 9.1: `swap_foo(app, first_id, second_id)` stores both changes in one save, or neither."""
    report("Exercise 9.1", lambda: _swap_foo(swap_foo, url))


def check_rename(application_class: Callable[[Any], Any], url: str | None = None) -> None:
    """Exercise 9.2: `app.rename(entity_id, foo)` stores the change, lets followers hear it, and returns the version."""
    report("Exercise 9.2", lambda: _rename(application_class, url))


def _swap_foo(swap_foo: Callable[[Any, UUID, UUID], None], url: str | None) -> str:
    from esnb.course.application import ExampleApplication
    from esnb.course.errors import ConcurrencyError

    with scratch_store(url) as scratch:
        app = ExampleApplication(scratch.datastore.session)

        def pair(left: str, right: str) -> tuple[UUID, UUID]:
            return (scratch.track(app.create_new_example(left).id), scratch.track(app.create_new_example(right).id))

        def stored(*ids: UUID) -> list[str]:
            return [app.example_repository[entity_id].foo for entity_id in ids]

        first, second = pair("left", "right")
        call("with no other writer", swap_foo, app, first, second, passing=(ConcurrencyError,))
        after = stored(first, second)
        if after == ["left", "right"]:
            raise Wrong("after swap_foo, the stored values were still 'left' and 'right': a change stays pending "
                        "in the entity until the application saves it.")
        if after != ["right", "left"]:
            raise Wrong(f"after swap_foo, the stored values were {after}, not ['right', 'left'].")

        repository = app.example_repository
        for raced in ("first", "second"):
            first, second = pair("left", "right")
            raced_id = first if raced == "first" else second
            app.example_repository = RacingRepository(  # type: ignore[assignment]
                repository, raced_id, another_writer_sets_foo(app.event_store, " (changed by another writer)"))
            case = f"when another writer changed the {raced} entity during your command"
            try:
                call(case, swap_foo, app, first, second, passing=(ConcurrencyError,))
            except ConcurrencyError:
                pass
            else:
                raise Wrong(f"{case}, swap_foo returned normally: its save must fail with ConcurrencyError, "
                            "and that error must reach the caller, who would otherwise believe the swap happened.")
            finally:
                app.example_repository = repository
            values = stored(first, second)
            if "left" not in values[0] or "right" not in values[1]:
                raise Wrong(f"{case}, the stored values became {values}: half of the swap was stored. "
                            "The two changes are one decision: store them so that either both go in, or neither.")
    return "swap_foo stores both changes in one atomic save, and a conflict on either entity stores neither."



def _rename(application_class: Callable[[Any], Any], url: str | None) -> str:
    with scratch_store(url) as scratch:
        app = application_class(scratch.datastore.session)
        heard: list[Any] = []
        app.followers.append(heard.append)
        entity = app.create_new_example(foo="first")
        scratch.track(entity.id)
        heard.clear()
        version = call("renaming an entity at version 1", app.rename, entity.id, "second")
        stored = [type(event).__name__ for event in app.event_store.get_domain_events(entity.id)]
        if stored == ["Created"]:
            raise Wrong("after rename, the change was not stored: a change stays pending in the entity until the "
                        "application saves it.")
        if stored != ["Created", "AttributeChanged"]:
            raise Wrong(f"after one rename, the stored events were {stored}, not ['Created', 'AttributeChanged'].")
        if app.example_repository[entity.id].foo != "second":
            raise Wrong("the stored entity's foo is not the new value: change the entity through its own foo.")
        if [type(event).__name__ for event in heard] != ["AttributeChanged"]:
            raise Wrong(f"the application's followers heard {len(heard)} events, not the one change: save through "
                        "the application, which passes stored events on; appending to the event store by hand "
                        "stores them silently.")
        if version != 2:
            raise Wrong(f"rename returned {version!r} for an entity that is now at version 2: return the version "
                        "the entity reached by this change.")
        again = call("renaming it a second time", app.rename, entity.id, "third")
        if again != 3 or app.example_repository[entity.id].foo != "third":
            raise Wrong(f"a second rename returned {again!r} and left foo as "
                        f"{app.example_repository[entity.id].foo!r}, not 3 and 'third'.")
        try:
            app.rename(uuid4(), "nobody")
        except KeyError:
            pass
        except Exception as error:
            raise Wrong(f"renaming an id with no entity raised {type(error).__name__}, not KeyError: "
                        "let the repository's KeyError reach the caller.") from None
        else:
            raise Wrong("renaming an id with no entity did not raise KeyError: an entity that was never created "
                        "cannot be renamed.")
    return "rename stores the change through the application's save, and returns the new version."
