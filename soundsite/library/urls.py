from django.urls import path

from soundsite.library import views

urlpatterns = [
    path("library/", views.library, name="library"),
    path("shares/", views.share_links, name="share_links"),
    path("library/tracks/<uuid:code>/", views.track, name="track"),
]
