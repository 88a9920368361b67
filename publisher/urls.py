"""URLs: the admin, the editors' preview, the readers' forms, and every public page type.

The public pages come from the page registry (``PUBLISHER_REGISTRY``), each
registered with django-distill's ``distill_path`` so that ``manage.py distill
generate`` renders the very same site as ``manage.py build``.
"""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django_distill import distill_path

from content.views import not_found, preview, preview_media
from publisher.backup_views import backups_status
from publisher.pages.registry import registry

urlpatterns = [
    # Before the admin's own URLs, which would take /admin/backups/ for an app.
    path("admin/backups/", admin.site.admin_view(backups_status), name="backups_status"),
    path("admin/", admin.site.urls),
    # Uploads for editors (behind login), live or not; readers get /media/.
    path("preview/media/<path:name>", preview_media, name="preview_media"),
    path("preview/<str:kind>/<int:pk>/", preview, name="preview"),
    # The readers' forms: the one dynamic path readers reach (lighttpd forwards it).
    path("submit/", include("desk.urls")),
]
for page in registry().pages:
    for route, name, enumerate_params in page.routes():
        urlpatterns.append(distill_path(route, page.view, name=name, distill_func=enumerate_params))

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = not_found
