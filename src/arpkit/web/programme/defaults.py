"""The programme's six strategic outcomes: the register's default objectives.

Seeded by migration 0002 and by :func:`arpkit.web.programme.services.seed_default_objectives`
(idempotent, for a database emptied by a test or a reset).  Keys are stable: never change one
without a data migration.
"""

OBJECTIVES = [
    ("early-help-from-first-contact",
     "Route ethnically diverse families to early help from first contact",
     "Ethnically diverse families are guided towards early help services from their first "
     "contact with the front door, as often as White British families."),
    ("reflect-identity-in-every-assessment",
     "Reflect race, ethnicity, culture and religion in every assessment and plan",
     "Every assessment and plan shows how the child's race, ethnicity, culture and religion "
     "were explored and what difference that made (the Thinking Tool and case audits)."),
    ("end-over-representation",
     "End the over-representation of ethnically diverse children in CIN, CP and CLA",
     "Disparity ratios for children in need, on child protection plans and looked after fall "
     "towards 1."),
    ("report-racism-and-see-it-resolved",
     "Support staff to report racism and see it resolved",
     "Staff can report racism safely, reports are acknowledged and resolved, and learning is "
     "shared."),
    ("track-disciplinary-outcomes",
     "Track disciplinary outcomes by ethnicity and act on them",
     "Relative likelihoods of entering formal disciplinary processes, and of each outcome, "
     "are monitored and fall within the 0.80-1.25 band."),
    ("train-and-audit",
     "Train the whole workforce and audit practice",
     "All children and families staff complete anti-racist practice training, join learning "
     "spaces, and practice is audited for its effect."),
]
