from django.conf import settings


def site(request):
    """What every template needs: the site's name and the main navigation."""
    return {"SITE_NAME": settings.SITE_NAME}
