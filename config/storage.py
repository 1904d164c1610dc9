"""Static files in production: hashed names, also inside ES module imports."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """The page scripts import ``./live.js`` and ``./api.js``; with the imports
    rewritten to hashed names, a browser never pairs a new ``chat.js`` with a
    cached old ``live.js`` after a deploy."""

    support_js_module_import_aggregation = True
