"""Why an upload was refused: an HTTP status, a stable code and a sentence for people."""


class FileRefused(Exception):
    """Raised by ``files.services.file_upload``; nothing of the upload has been kept."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = str(detail)

    def __repr__(self):
        return f"FileRefused({self.status}, {self.code!r}, {self.detail!r})"
