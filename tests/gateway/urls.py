"""The project's URLs plus the test views, under /api/test/ (and one outside /api/)."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config import urls as project
from tests.gateway import views

urlpatterns = [
    path("api/test/groups/", views.CreateGroupView.as_view(), name="test-groups"),
    path("api/test/public-groups/", views.PublicCreateGroupView.as_view(), name="test-public-groups"),
    path("api/test/echo/", views.EchoView.as_view(), name="test-echo"),
    path("api/test/register/", views.RegisterCustomerView.as_view(), name="test-register"),
    path("api/test/validate/", views.ValidatingView.as_view(), name="test-validate"),
    path("api/test/crash/", views.CrashingView.as_view(), name="test-crash"),
    path("api/test/database-gone/", views.DatabaseGoneView.as_view(), name="test-database-gone"),
    path("api/test/whoami/", views.WhoAmIView.as_view(), name="test-whoami"),
    path("api/test/login/", views.StrictLoginView.as_view(), name="test-login"),
    path("api/test/plain/", csrf_exempt(views.PlainGetView.as_view()), name="test-plain"),
    path("plain/", csrf_exempt(views.PlainGetView.as_view()), name="plain-outside-api"),
    *project.urlpatterns,
]

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
