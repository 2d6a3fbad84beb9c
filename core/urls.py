from django.conf import settings
from django.conf.urls.static import static
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from core.activity.api import urlpatterns as xapi_urlpatterns
from core.api import api
from core.home import views as home_views
from core.people.forms import SignInForm

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", api.urls),
    path("xapi/", include(xapi_urlpatterns)),
    path("i18n/setlang/", set_language, name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            redirect_authenticated_user=True,
            authentication_form=SignInForm,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", home_views.my_page, name="my-page"),
    path("", include("realtime.urls")),
    path("certificates/", include("content.certification.urls")),
    path("livestreams/", include("content.livestreams.urls")),
    path("", include("content.community.urls")),
    path("hsds/", include("content.community.hsds")),
    path("open311/v2/", include("content.community.open311")),
    path("cockpit/", include("content.certification.cockpit_urls")),
    path("fieldwork/", include("content.fieldwork.urls")),
    path("volunteering/", include("content.volunteering.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

# Pages answer errors in the site's shell, in the reader's language; /api/ and /xapi/ answer JSON.
handler403 = "core.home.views.permission_denied"
handler404 = "core.home.views.page_not_found"
handler500 = "core.home.views.server_error"
