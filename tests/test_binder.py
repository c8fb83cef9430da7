"""environment.yml (conda and Binder) and pyproject.toml name the same dependencies, with the same versions.

pyproject.toml's core dependencies and its "all" extra, with the extras it names expanded, are what `./course`
installs. environment.yml must list each of them once, by its conda-forge name, or in its pip section, and
nothing else besides Python, pip and the course itself. Extras are pip's: on conda-forge, psycopg comes with
its binary part, so `psycopg[binary]` is `psycopg` there.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"matplotlib": "matplotlib-base"}  # PyPI name -> conda-forge name, where they differ
CONDA_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)\s*(?P<spec>.*)$")


def pyproject_requirements(pyproject: dict) -> dict[str, Requirement]:
    """The core dependencies and everything the 'all' extra brings in, by canonical name."""
    project = pyproject["project"]
    own = canonicalize_name(project["name"])
    found: dict[str, Requirement] = {}
    pending = [Requirement(text) for text in project["dependencies"]] + [Requirement(f"{own}[all]")]
    seen_extras: set[str] = set()
    while pending:
        requirement = pending.pop()
        if canonicalize_name(requirement.name) == own:
            for extra in sorted(requirement.extras - seen_extras):
                seen_extras.add(extra)
                pending += [Requirement(text) for text in project["optional-dependencies"][extra]]
            continue
        name = canonicalize_name(requirement.name)
        assert name not in found or str(found[name].specifier) == str(requirement.specifier), (
            f"pyproject.toml names {name} twice with different versions")
        found[name] = requirement
    return found


def environment_requirements(environment: dict) -> tuple[dict[str, str], dict[str, Requirement]]:
    """The conda packages (name -> version spec) and the pip requirements of environment.yml."""
    conda: dict[str, str] = {}
    pip: dict[str, Requirement] = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            for line in entry["pip"]:
                if line.strip() != "-e .":
                    requirement = Requirement(line)
                    pip[canonicalize_name(requirement.name)] = requirement
            continue
        match = CONDA_SPEC.match(entry)
        assert match, f"environment.yml: cannot read {entry!r}"
        assert match["name"] not in conda, f"environment.yml names {match['name']} twice"
        conda[match["name"]] = match["spec"].replace(" ", "")
    return conda, pip


def specifiers(spec: str) -> set[str]:
    return {part.strip() for part in spec.split(",") if part.strip()}


def differences(pyproject: dict, environment: dict) -> list[str]:
    """What one file names that the other does not, or names with other versions."""
    wanted = pyproject_requirements(pyproject)
    conda, pip = environment_requirements(environment)
    problems = []
    if conda.pop("python", None) != pyproject["project"]["requires-python"]:
        problems.append(f"python must be {pyproject['project']['requires-python']}, as requires-python says")
    conda.pop("pip", None)
    for name, requirement in sorted(wanted.items()):
        conda_name = CONDA_NAMES.get(name, name)
        if name in pip:
            if str(pip.pop(name)) != str(requirement):
                problems.append(f"{name}: pip section differs from pyproject.toml's {requirement}")
        elif conda_name in conda:
            if specifiers(conda.pop(conda_name)) != specifiers(str(requirement.specifier)):
                problems.append(f"{conda_name}: version differs from pyproject.toml's {requirement}")
        else:
            problems.append(f"{name} ({requirement}) is in pyproject.toml but not in environment.yml")
    problems += [f"{name} is in environment.yml but not in pyproject.toml" for name in sorted({*conda, *pip})]
    return problems


def test_environment_yml_and_pyproject_toml_name_the_same_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert differences(pyproject, environment) == []
    assert "-e ." in environment["dependencies"][-1]["pip"], "the pip section installs the course itself"


def test_a_dependency_missing_or_with_another_version_is_found():
    pyproject = {"project": {"name": "esnb", "requires-python": ">=3.10", "dependencies": ["SQLAlchemy>=2.0,<2.2"],
                             "optional-dependencies": {"all": ["esnb[lab]", "jupyterhub>=5.3"],
                                                       "lab": ["matplotlib>=3.8", "psycopg[binary]>=3.1"]}}}
    environment = {"dependencies": ["python>=3.10", "pip", "sqlalchemy<2.2,>=2.0", "matplotlib-base>=3.8",
                                    "psycopg>=3.1", "jupyterhub>=5.3", {"pip": ["-e ."]}]}
    assert differences(pyproject, environment) == []
    environment["dependencies"][3] = "matplotlib-base>=3.9"
    environment["dependencies"][5] = "ruff"
    assert differences(pyproject, environment) == [
        "jupyterhub (jupyterhub>=5.3) is in pyproject.toml but not in environment.yml",
        "matplotlib-base: version differs from pyproject.toml's matplotlib>=3.8",
        "ruff is in environment.yml but not in pyproject.toml",
    ]


def test_binder_installs_the_course_lab_settings():
    post_build = (ROOT / "postBuild").read_text()
    assert "python -m esnb.lab_settings" in post_build
    assert (ROOT / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
