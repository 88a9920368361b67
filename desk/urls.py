"""/submit/…: the readers' forms (included by the project's URLconf)."""

from django.urls import path

from desk import views

app_name = "desk"
urlpatterns = [
    path("", views.index, name="index"),
    path("sent/<str:reference>/", views.sent, name="sent"),
    path("<slug:kind>/", views.submit, name="submit"),
]
