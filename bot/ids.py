"""Every callback_id, action_id and block_id the app uses, in one place."""

REPORT_COMMAND = "/report-concern"

# Views (callback ids)
REPORT_VIEW = "report_concern"
ESCALATE_VIEW = "escalate_concern"
RESOLVE_VIEW = "resolve_concern"
DETAILS_VIEW = "concern_details"

# Buttons on a concern's post (action ids)
ACKNOWLEDGE = "concern_acknowledge"
ESCALATE = "concern_escalate"
RESOLVE = "concern_resolve"
VIEW_DETAILS = "concern_view_details"

# Blocks of the report form: the same names as the fields of flows.concerns.ConcernDraft's validation
AREA = "area"
KIND = "kind"
PLATFORM = "platform"
ROLES = "roles"
NAMES = "names"
DESCRIPTION = "description"
LINKS = "links"
KEPT_COPY = "kept_copy"
SAFEGUARDING = "safeguarding"
INVOLVED_STAFF = "involved_staff"

# Blocks of the escalate / resolve forms
TARGET = "target"
OUTCOME = "outcome"
NOTE = "note"

# Every input block has one element; its action id is the block id with this suffix
INPUT = "_input"
