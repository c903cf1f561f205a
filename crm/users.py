"""How the CRM names a user: one label everywhere (owner choices, tables, messages, history)."""


def user_label(user) -> str:
    """The user's full name, else their username; '' for no user (and for an anonymous one)."""
    if user is None or not user.is_authenticated:
        return ""
    return user.get_full_name() or user.get_username()
