"""The rules that keep the code base in shape as it grows (issue 10), checked on the source itself.

Each failure names the file and the rule, so the fix is obvious: a module to split, a lock to move
into a locks.py helper, a setting to declare, a status to take from shop/orders/status.py.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shop", "home", "search")
DOMAINS = (
    "catalog",
    "inventory",
    "cart",
    "checkout",
    "orders",
    "payments",
    "shipping",
    "imports",
    "notifications",
    "staff",
    "integrations",
    "core",
)
MAX_LINES = 400
# Old paths that migrations import: each stays as a one-line shim (migrations never change).
SHIMS = ("shop/storage.py", "shop/roles.py", "shop/schedules.py", "shop/models/payments.py", "shop/models/imports.py")


def sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def relative(path):
    return path.relative_to(ROOT).as_posix()


def test_every_domain_has_its_package():
    missing = [domain for domain in DOMAINS if not (ROOT / "shop" / domain / "__init__.py").exists()]
    assert not missing, f"shop/ is organised by domain; missing packages: {missing}"


def test_no_module_is_over_400_lines():
    long = {relative(path): n for path in sources() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"Split these modules (over {MAX_LINES} lines): {long}"


def test_row_locks_are_taken_only_by_the_locking_helpers():
    """Screens, jobs and services lock through a domain's locks.py, so every caller gets the same rules and order."""
    outside = [
        relative(path) for path in sources() if "select_for_update" in path.read_text() and path.name != "locks.py"
    ]
    assert not outside, f"select_for_update outside a locks.py helper: {outside}"


def test_every_setting_is_declared_in_settings():
    """A setting read with a default in code is one the owner cannot find in settings.py or .env.example."""
    guessed = [relative(path) for path in sources() if re.search(r"getattr\(\s*settings\s*,", path.read_text())]
    assert not guessed, (
        f"getattr(settings, ...) with a default: declare the setting in tokoku/settings.py instead: {guessed}"
    )


def first_party_imports_inside_functions(tree):
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and function.name != "ready":
            for node in ast.walk(function):
                module = getattr(node, "module", None) if isinstance(node, ast.ImportFrom) else None
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [module or ""]
                if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                    name.split(".")[0] in PACKAGES for name in names if name
                ):
                    yield function.name, node.lineno


def test_no_first_party_import_is_hidden_in_a_function():
    """Imports inside functions hide circular dependencies; AppConfig.ready is the one place that needs them."""
    hidden = {
        relative(path): found
        for path in sources()
        if (found := list(first_party_imports_inside_functions(ast.parse(path.read_text()))))
    }
    assert not hidden, f"First-party imports inside functions: {hidden}"


def test_order_statuses_are_named_only_by_the_status_table():
    """Statuses are compared through shop.orders.status (OrderStatus, UNPAID, PAID, ...), never as bare strings."""
    allowed = {"shop/orders/status.py"}
    bare = re.compile(r"""["'](pending_payment|waiting_verification)["']""")
    found = [relative(path) for path in sources() if relative(path) not in allowed and bare.search(path.read_text())]
    templates = [
        relative(path)
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if re.search(r"""order\.status\s*(==|!=|in)\s*["']""", path.read_text())
    ]
    assert not found + templates, f"Bare order statuses: {found + templates}"


@pytest.mark.parametrize("shim", SHIMS)
def test_old_paths_that_migrations_import_are_one_line_shims(shim):
    lines = [line for line in (ROOT / shim).read_text().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("from shop."), f"{shim} should be a one-line re-export"


def test_signals_are_connected_in_receivers_modules_only():
    """One way to wire signals: @receiver in an app's receivers.py, imported by its AppConfig.ready."""
    elsewhere = [
        relative(path)
        for path in sources()
        if path.name != "receivers.py" and re.search(r"@receiver\(|(?<!sqlite3)\.connect\(", path.read_text())
    ]
    assert not elsewhere, f"Signals wired outside receivers.py: {elsewhere}"
