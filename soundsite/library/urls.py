from django.urls import path, re_path

from soundsite.library import (
    collection_views,
    organise,
    public,
    share_views,
    views,
)

track = "library/tracks/<uuid:code>/"
collection = "library/collections/<uuid:code>/"

urlpatterns = [
    path("library/", views.library, name="library"),
    path("library/upload/", views.upload, name="library_upload"),
    path("library/selection/", organise.bulk, name="library_bulk"),
    path("library/export/", views.selection_export, name="library_export"),
    path("library/restore/", organise.restore, name="library_restore"),
    path("library/deleted/", views.deleted, name="library_deleted"),
    path(track, views.track_page, name="track"),
    path(track + "audio/", views.track_audio, name="track_audio"),
    path(track + "peaks/", views.track_peaks, name="track_peaks"),
    path(track + "download/", views.track_download, name="track_download"),
    path(track + "export/", views.track_export, name="track_export"),
    path(track + "certificate/", views.certificate, name="track_certificate"),
    path(track + "rename/", organise.rename, name="track_rename"),
    path(track + "tags/", organise.tags, name="track_tags"),
    path(track + "favourite/", organise.favourite, name="track_favourite"),
    path(track + "collections/", organise.track_collections, name="track_collections"),
    path(track + "delete/", organise.delete, name="track_delete"),
    path(track + "purge/", organise.purge, name="track_purge"),
    path(track + "share/", share_views.track_share, name="track_share"),
    path("library/collections/", collection_views.collections, name="collections"),
    path("library/collections/new/", collection_views.collection_create, name="collection_create"),
    path(collection, collection_views.collection, name="collection"),
    path(collection + "edit/", collection_views.collection_edit, name="collection_edit"),
    path(collection + "delete/", collection_views.collection_delete, name="collection_delete"),
    path(collection + "add/", collection_views.collection_add, name="collection_add"),
    path(collection + "remove/", collection_views.collection_remove, name="collection_remove"),
    path(collection + "move/", collection_views.collection_move, name="collection_move"),
    path(collection + "export/", collection_views.collection_export, name="collection_export"),
    path(collection + "share/", share_views.collection_share, name="collection_share"),
    path("shares/", share_views.share_links, name="share_links"),
    path("shares/<uuid:code>/revoke/", share_views.share_revoke, name="share_revoke"),
    path("shares/<uuid:code>/downloads/", share_views.share_downloads, name="share_downloads"),
    # Public pages: any token reaches the view, which answers one polite page for every bad
    # token (wrong length, wrong alphabet, unknown, expired, revoked).
    path("s/<str:token>/", public.share_page, name="share_page"),
    path("s/<str:token>/audio/<uuid:code>/", public.share_audio, name="share_audio"),
    path("s/<str:token>/peaks/<uuid:code>/", public.share_peaks, name="share_peaks"),
    path("s/<str:token>/download/<uuid:code>/", public.share_download, name="share_download"),
    path("s/<str:token>/download/", public.share_download_all, name="share_download_all"),
    re_path(r"^s/", public.no_such_link),
    path("verify/<str:sha256>/", views.verify, name="verify"),
]
