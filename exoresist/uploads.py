"""A hard limit on uploaded file data, which neither DATA_UPLOAD_MAX_MEMORY_SIZE (form fields
only) nor FILE_UPLOAD_MAX_MEMORY_SIZE (when to spill to disk) gives: counted as it arrives,
whatever the Content-Length said (chunked bodies have none)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class UploadSizeLimitHandler(FileUploadHandler):
    received = 0  # bytes of file data so far; a handler serves one request

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = settings.EXORESIST_MAX_UPLOAD_BYTES
        if self.received > limit:
            raise RequestDataTooBig(f"Uploaded files exceed {limit} bytes (EXORESIST_MAX_UPLOAD_BYTES).")
        return raw_data

    def file_complete(self, file_size):
        return None
