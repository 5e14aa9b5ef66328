"""The product's URLs and, for the poll benchmark only, a bare view returning a constant."""

from django.http import HttpResponse
from django.urls import path

from soundsite.urls import urlpatterns as product_urlpatterns


def constant(request):
    """The yardstick: the least a Django view can do behind the same middleware."""
    return HttpResponse("ok")


urlpatterns = [path("bench/constant/", constant, name="bench_constant"), *product_urlpatterns]
