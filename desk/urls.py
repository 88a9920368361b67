"""/submit/…: the readers' forms (included by the project's URLconf)."""

from django.urls import path

from desk import comment_views, views

app_name = "desk"
urlpatterns = [
    path("", views.index, name="index"),
    path("sent/<str:reference>/", views.sent, name="sent"),
    # Before the forms' <kind>/: "comment" is not a kind of submission.
    path("comment/", comment_views.comment, name="comment"),
    path("comment/sent/", comment_views.comment_sent, name="comment_sent"),
    path(
        "comment/replies/<str:token>/",
        comment_views.replies_confirm,
        name="comment_replies_confirm",
    ),
    path(
        "comment/replies/<str:token>/stop/",
        comment_views.replies_stop,
        name="comment_replies_stop",
    ),
    path("<slug:kind>/", views.submit, name="submit"),
]
