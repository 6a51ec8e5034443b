"""The test suite mirrors shop/'s domains and shares its helpers from one module (issue 10, rule 5)."""

import ast
from pathlib import Path

from django.apps import apps

import shop.models

TESTS = Path(__file__).resolve().parents[1]
# What stays at the top of tests/: pytest's conftest, the data builders and the shared helpers.
TOP_LEVEL = {"__init__.py", "conftest.py", "factories.py", "helpers.py"}
# Helpers that used to be written again in several test modules.
SHARED = {"signed_in", "assert_ledger_balances", "waiting_order", "stock_of", "transitions", "said", "messages_of"}


def test_test_modules_live_in_a_folder_per_domain():
    stray = sorted(path.name for path in TESTS.glob("*.py") if path.name not in TOP_LEVEL)
    assert not stray, f"Move these into tests/<domain>/: {stray}"
    for folder in (path for path in TESTS.iterdir() if path.is_dir() and path.name != "__pycache__"):
        assert (folder / "__init__.py").exists(), f"tests/{folder.name}/ needs an __init__.py"


def test_shared_helpers_are_written_once_in_helpers_py():
    """Outside tests/helpers.py a shared name may only be a fixture wrapping the helper."""
    copies = []
    for path in TESTS.rglob("*.py"):
        if path.name == "helpers.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name in SHARED:
                is_fixture = any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)
                if not is_fixture:
                    copies.append(f"{path.relative_to(TESTS)}:{node.name}")
    assert not copies, f"Use tests/helpers.py instead of these copies: {copies}"


def test_every_model_of_the_shop_is_importable_from_shop_models():
    missing = [
        model.__name__ for model in apps.get_app_config("shop").get_models() if not hasattr(shop.models, model.__name__)
    ]
    assert not missing, f"shop/models/__init__.py should re-export: {missing}"
