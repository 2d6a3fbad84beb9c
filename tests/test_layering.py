"""The import rules of DESIGN.md, read from the code itself: dependencies point one way.

The spine (core/) imports no feature app except in the composition root, the recommender imports no content
app and nothing of realtime, realtime nothing of the recommender, and the recommender's engine nothing of
Django. Every import counts: module level, inside functions, relative, and `importlib.import_module("...")`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FEATURE_APPS = ("content", "realtime", "recommender")
# The composition root: the one place that names every app's routes.
COMPOSITION_ROOT = {"core/settings.py", "core/urls.py", "core/api.py", "core/routing.py", "core/asgi.py"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from . import services` imports a module named by the alias
            found += [
                (node.lineno, f"{target}.{alias.name}" if target else alias.name)
                for alias in node.names
                if alias.name != "*"
            ]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(folder: str, forbidden: tuple[str, ...], *, allowed_files: set[str] = frozenset()) -> list[str]:
    out = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in allowed_files:
            continue
        for line, name in imports_of(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                out.append(f"{relative}:{line} imports {name}")
    return out


@pytest.mark.parametrize(
    ("folder", "forbidden", "allowed"),
    [
        ("core", FEATURE_APPS, COMPOSITION_ROOT),
        ("core/activity", FEATURE_APPS, set()),
        ("core/people", FEATURE_APPS, set()),
        ("core/home", FEATURE_APPS, set()),
        ("recommender", ("content", "realtime"), set()),
        ("realtime", ("recommender",), set()),
        ("recommender/engine", ("django", "wagtail", "ninja", "channels", "core.activity.models"), set()),
    ],
)
def test_dependencies_point_one_way(folder, forbidden, allowed):
    assert violations(folder, forbidden, allowed_files=allowed) == []


def test_the_checker_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The rule above cannot pass by not looking: function-level, relative and dynamic imports are all found."""
    package = tmp_path / "core" / "spine"
    package.mkdir(parents=True)
    (tmp_path / "core" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(
        "import importlib\n"
        "def f():\n"
        "    from content.learning import selectors\n"
        "    from ..people.models import User\n"
        "    importlib.import_module('recommender.serving')\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert (4, "core.people.models") in imports_of(package / "mod.py")
    assert violations("core", FEATURE_APPS) == [
        "core/spine/mod.py:3 imports content.learning",
        "core/spine/mod.py:3 imports content.learning.selectors",
        "core/spine/mod.py:5 imports recommender.serving",
    ]


def test_the_engine_loads_without_django():
    """In a fresh interpreter with no Django settings: the engine and `from recommender import Recommender`
    load, fit and recommend, and Django is never imported."""
    code = (
        "import sys\n"
        "import pandas as pd\n"
        "import recommender.engine.recommender, recommender.engine.evaluation\n"
        "from recommender import Recommender\n"
        "frame = pd.DataFrame({'user_id': [1, 1, 2], 'item_id': ['a', 'b', 'a'], 'timestamp': [1, 2, 3]})\n"
        "assert Recommender(fresh_share=0).fit(frame).recommend(2, k=1) == ['b']\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
