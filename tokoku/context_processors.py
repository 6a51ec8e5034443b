from django.conf import settings


def storefront(request):
    """What every storefront template needs besides the owner's site settings."""
    return {
        "POSTHOG_KEY": settings.POSTHOG_KEY,
        "POSTHOG_HOST": settings.POSTHOG_HOST,
    }
