"""A URLconf for the CSP tests: plain, embeddable and self-styled views (used with @pytest.mark.urls)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from crm.security import embeddable


@login_not_required
def plain(request):
    return HttpResponse("<p>plain</p>")


@login_not_required
@embeddable
def embeddable_anywhere(request):
    return HttpResponse("<p>embed me</p>")


@login_not_required
@embeddable(frame_ancestors=["https://customer.example", "https://*.customer.example"])
def embeddable_by_customer(request):
    return HttpResponse("<p>embed me</p>")


@login_not_required
@embeddable(frame_ancestors=lambda request, slug: [f"https://{slug}.example"])
def embeddable_per_slug(request, slug):
    return HttpResponse("<p>embed me</p>")


@login_not_required
def own_policy(request):
    response = HttpResponse("<p>mine</p>")
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


urlpatterns = [
    path("plain/", plain),
    path("anywhere/", embeddable_anywhere),
    path("customer/", embeddable_by_customer),
    path("per-slug/<slug:slug>/", embeddable_per_slug),
    path("own-policy/", own_policy),
]
