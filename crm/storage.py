"""The static files storage: whitenoise's hashed, compressed files once `collectstatic` has run, plain names before.

`collectstatic` (production) writes hashed copies, their .gz twins and the manifest `staticfiles.json`;
`{% static %}` then names the hashed copies, which whitenoise serves with a far-future cache header. Before that
(tests, `make run`) there is no manifest, and `{% static %}` names the plain files that whitenoise serves straight
from the finders. One storage for both, so the first `collectstatic` on a server writes the manifest too.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        if not self.hashed_files:  # no manifest yet: collectstatic has not run
            return name
        return super().stored_name(name)
