"""The coded fields of a speak-up report: kept in clear so the programme can learn from them.

Routes follow BASW's *Shades of Bias* (experienced, witnessed, may have shown bias); categories
follow the NHS Freedom to Speak Up recording elements adapted to racism at work. Codes are
stable identifiers: never rename one without a data migration, because statistics group on them.
"""

from __future__ import annotations

from django.db import models


class Route(models.TextChoices):
    EXPERIENCED = "experienced", "I experienced racism"
    WITNESSED = "witnessed", "I witnessed racism"
    SELF_REFLECTION = "self_reflection", "I am concerned I may have acted in a biased way"


class Source(models.TextChoices):
    # Alphabetical, as Report + Support orders choice lists, with "other" last.
    COLLEAGUE = "colleague", "A colleague"
    MANAGER = "manager", "A manager"
    PARTNER_AGENCY = "partner_agency", "A partner agency"
    SERVICE_USER = "service_user", "A service user or family member"
    OTHER = "other", "Someone else"


class Category(models.TextChoices):
    """The fixed category list an officer chooses from at triage (labels add detail)."""

    DIRECT_ABUSE = "direct_abuse", "Racist abuse or language"
    MICROAGGRESSION = "microaggression", "Microaggressions"
    EXCLUSION = "exclusion", "Exclusion or isolation"
    PROGRESSION = "progression", "Unfair treatment in work allocation, pay or progression"
    PRACTICE = "practice", "Biased practice towards children or families"
    HARASSMENT = "harassment", "Bullying or harassment"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    SUBMITTED = "submitted", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_PROGRESS = "in_progress", "Being looked into"
    CLOSED = "closed", "Closed"


class Risk(models.TextChoices):
    """Duty-of-care triage: is the reporter, or anyone, at risk of harm now?"""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High: act today"


class Outcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    PARTLY_RESOLVED = "partly_resolved", "Partly resolved"
    NOT_RESOLVED = "not_resolved", "Could not be resolved"
    REFERRED = "referred", "Referred to a formal process (HR, safeguarding, police)"
    WITHDRAWN = "withdrawn", "Withdrawn by the reporter"
    NO_CONTACT = "no_contact", "Closed: no further contact from the reporter"


class FeltResolved(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class Support(models.TextChoices):
    EMPLOYEE_ASSISTANCE = "employee_assistance", "Employee assistance programme"
    STAFF_NETWORK = "staff_network", "A staff network"
    WELLBEING = "wellbeing", "Wellbeing or occupational health"
    TALK = "talk", "To talk it through with a speak-up officer"


NOT_SAID = "not_said"
NOT_SAID_LABEL = "I would rather not say"

#: Outcomes that count as "resolved" in the resolution rate.
RESOLVED_OUTCOMES = frozenset({Outcome.RESOLVED, Outcome.PARTLY_RESOLVED})
