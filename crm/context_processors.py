from .models import membership_of


def tenant(request):
    """The signed-in user's membership (Company and role) for the base layout."""
    membership = membership_of(getattr(request, "user", None))
    return {"membership": membership, "company": membership.company if membership else None}
