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
PLATFORM_OTHER = "platform_other"  # which, when the platform is "Other" (the contact form has it too)
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

# /check-contact
CHECK_COMMAND = "/check-contact"
CHECK_VIEW = "check_contact"
CHECK_ANSWER_VIEW = "check_contact_answer"
DECLARE_VIEW = "declare_connection"
DECIDE_VIEW = "decide_contact"
OPEN_DECLARE = "contact_open_declare"
ASK_LEADERSHIP = "contact_ask_leadership"
APPROVE = "contact_approve"
DECLINE = "contact_decline"
DECIDE_WITH_NOTE = "contact_decide_with_note"
CONTACT_DETAILS = "contact_view_details"  # a decided question: the decision's note and its trail, for leadership
CONTACT_DETAILS_VIEW = "contact_details"
ACKNOWLEDGE_DECLARATION = "declaration_acknowledge"
RECONFIRM_DECLARATION = "declaration_reconfirm"
HOME_CHECK = "home_check_contact"
SEND_PACK = "review_send_pack"  # the governors' App Home: send me the pack
HOME_DECLARE = "home_declare"

# Blocks of the contact forms
PERSON = "person"
CHANNEL = "channel"
UNDER_18 = "under_18"
FAMILY = "family_or_close_family_friend"
FRIEND = "existing_personal_friend"
DESCRIBED = "described"
RELATIONSHIP = "relationship"
DECISION = "decision"
REVIEW_ON = "review_on"

# The governors' annual review
REVIEW_DONE = "policy_review_done"

# Retention: a safeguarding lead confirms a redaction, or keeps the concern longer
RETENTION_REDACT = "retention_redact"
RETENTION_KEEP = "retention_keep"
REVIEW_VIEW = "policy_review"
NEXT_REVIEW_ON = "next_review_on"
POLICY_VERSION = "policy_version"

# A trust's schools: the form that asks a person in several schools which one (bot.views.school_picker)
PICK_SCHOOL_VIEW = "pick_school"
SCHOOL = "school"
