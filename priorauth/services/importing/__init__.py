"""Import one request from the JSON request format (docs/request-format.md): check it
all (plan, parties, rows), then write it in one transaction and audit it (store).
Imports models, rules, security.audit and the request services; no web.
"""

from priorauth.services.importing.store import (
    IMPORT_ROLES,
    ImportProblem,
    ImportSummary,
    auth_request_import,
)

__all__ = ["IMPORT_ROLES", "ImportProblem", "ImportSummary", "auth_request_import"]
