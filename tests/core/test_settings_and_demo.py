import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from home.models import CatalogPage, HomePage, StandardPage
from shop.models import Category, Product, StockMovement

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "TOKOKU_"))}
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 64 + "-not-a-real-key-but-long-and-random-enough",
        "ALLOWED_HOSTS": "toko.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "SECURE_HSTS_PRELOAD": "true",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", env={"DEBUG": "false", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_migrations_can_be_checked_without_a_secret_key(tmp_path):
    result = run_manage(
        "makemigrations", "--check", "--dry-run", env={"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_seed_variables_select_the_database(tmp_path):
    code = "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'], d['PORT'])"
    env = {
        "DEBUG": "true",
        "DB_CONNECTION": "pgsql",
        "DB_HOST": "db.internal",
        "DB_PORT": "5433",
        "DB_DATABASE": "ecommerce_db",
        "DB_USERNAME": "postgres",
        "DB_PASSWORD": "rahasia",
    }
    result = run_manage("shell", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.db.backends.postgresql",
        "ecommerce_db",
        "db.internal",
        "5433",
    ], result.stderr


@pytest.mark.django_db
def test_seed_demo_builds_a_browsable_shop_and_is_idempotent(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    counts = (Category.objects.count(), Product.objects.count(), StockMovement.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Category.objects.count(), Product.objects.count(), StockMovement.objects.count()) == counts
    assert counts[0] == 6 and counts[1] >= 40
    assert StandardPage.objects.count() == 4 and CatalogPage.objects.count() == 1 and HomePage.objects.count() == 1
    users = get_user_model().objects
    for email, group in [("admin@toko.com", "Admin"), ("cs1@toko.com", "CS Layer 1"), ("cs2@toko.com", "CS Layer 2")]:
        assert users.get(email=email).groups.filter(name=group).exists()
    assert not users.get(email="pembeli@toko.com").groups.exists()
    assert client.login(username="cs1@toko.com", password="cs1pass123")
    for product in Product.objects.all():
        assert product.stock == sum(product.stock_movements.values_list("delta", flat=True))
    home = client.get("/")
    assert home.status_code == 200 and "Produk terbaru" in home.content.decode()


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)
