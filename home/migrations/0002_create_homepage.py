"""Replace Wagtail's welcome page with the shop's home page and catalog, so a fresh site works."""

from django.db import migrations


def create_pages(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    HomePage = apps.get_model("home", "HomePage")
    CatalogPage = apps.get_model("home", "CatalogPage")

    if HomePage.objects.exists():
        return
    Page.objects.filter(depth=2, slug="home", content_type__app_label="wagtailcore").delete()
    locale = Locale.objects.first() or Locale.objects.create(language_code="id")
    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="home")
    catalog_type, _ = ContentType.objects.get_or_create(model="catalogpage", app_label="home")
    root = Page.objects.get(depth=1)
    # Page.add_child (treebeard) is not available on historical models: set the tree fields by hand.
    home = HomePage.objects.create(
        title="Beranda",
        draft_title="Beranda",
        slug="home",
        content_type=home_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=1,
        url_path="/home/",
        locale=locale,
        body=[],
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    CatalogPage.objects.create(
        title="Produk",
        draft_title="Produk",
        slug="produk",
        content_type=catalog_type,
        path=f"{home.path}0001",
        depth=3,
        numchild=0,
        url_path="/home/produk/",
        locale=locale,
    )
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(hostname="localhost", root_page_id=home.id, is_default_site=True, site_name="TokoKu")


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
