"""Reading settings from the environment and `.env`: django-environ, but strict about booleans and numbers.

django-environ reads any boolean it does not recognise as False ("true  # a comment" turns a security setting
off without a word) and lets `int()` fail with a message that names no variable. Here a boolean must be one of
true/false, yes/no, on/off, 1/0 (any case) and a number must be a whole number; anything else stops start-up with
an ImproperlyConfigured that names the variable and the value.

A `.env` line holds `NAME=value` and nothing else: the value runs to the end of the line (a `#` in it is part of
the value), so comments go on their own lines. `env_from_file` reads a file with the very loader settings use,
without touching `os.environ` (the README's production block is tested through it).
"""

import re
from pathlib import Path
from typing import IO

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
NOTSET = environ.Env.NOTSET


class StrictEnv(environ.Env):
    def _raw(self, var):
        return self.ENVIRON.get(f"{self.prefix}{var}")

    def bool(self, var, default=NOTSET):
        raw = self._raw(var)
        if raw is None:
            return self.get_value(var, cast=bool, default=default)
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(
            f"{var}={raw!r} is not a boolean: use true or false (a .env line holds only NAME=value; "
            "put a comment on a line of its own)."
        )

    def int(self, var, default=NOTSET):
        raw = self._raw(var)
        if raw is None:
            return self.get_value(var, cast=int, default=default)
        if not WHOLE_NUMBER.fullmatch(raw.strip()):
            raise ImproperlyConfigured(
                f"{var}={raw!r} is not a whole number (a .env line holds only NAME=value; "
                "put a comment on a line of its own)."
            )
        return int(raw.strip())


def env_from_file(env_file: Path | IO[str]) -> StrictEnv:
    """A StrictEnv that sees only the variables of `env_file` (not os.environ), read as settings read `.env`."""
    isolated = type("FileEnv", (StrictEnv,), {"ENVIRON": {}})
    isolated.read_env(env_file, overwrite=True)
    return isolated()
