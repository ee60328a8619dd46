from django.urls import path

from domains.notifications.http.views import NotificationDetailView, NotificationListView

app_name = "notifications"

urlpatterns = [
    path("", NotificationListView.as_view(), name="notification-list"),
    path("<uuid:notification_id>/", NotificationDetailView.as_view(), name="notification-detail"),
]
