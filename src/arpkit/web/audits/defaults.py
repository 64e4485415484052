"""Default grading scale, questionnaire and themes (seeded by migration 0002).

The four Ofsted-style grades with narrative descriptors in the manner of Lancashire's toolkit;
sections follow the generic case-file audit forms (evidence, analysis, a grade) with a focus on
race, ethnicity, culture and religion, and end with "What difference did the work make for the
child?" (web.md section 5).  Inspection grading is under reform: check the ILACS wording
locally.  The programme lead and analysts change all of this in the app (``configuration.py``):
each change makes a new version, and these defaults are version 1.
"""

from __future__ import annotations

from django.utils import timezone

SCALE_KEY = "ofsted-four-point"
SCALE_NAME = "Ofsted-style four grades"
QUESTIONNAIRE_KEY = "race-ethnicity-culture-and-religion-in-practice"
QUESTIONNAIRE_NAME = "Race, ethnicity, culture and religion in practice"

#: (rank, label, good_or_better, descriptor)
GRADES = (
    (1, "Outstanding", True,
     "The child\u2019s identity, culture, faith and experience of racism are understood in "
     "depth and shape every decision; the difference made for the child is clear."),
    (2, "Good", True,
     "Race, ethnicity, culture and religion are explored with the child and family and "
     "reflected in the assessment and plan."),
    (3, "Requires improvement to be good", False,
     "Identity is recorded but not explored; its meaning for the child\u2019s safety and "
     "wellbeing is not analysed."),
    (4, "Inadequate", False,
     "Race, ethnicity, culture and religion are silent or stereotyped; the child\u2019s "
     "identity needs are not met."),
)

#: section title -> [(key, kind, text)]
SECTIONS = (
    ("Identity and heritage", [
        ("identity-explored", "yes_no_partly",
         "Was the child\u2019s identity explored with the child in their own words?"),
        ("identity-in-plan", "yes_no_partly",
         "Is the child\u2019s identity reflected in the plan?"),
        ("identity-evidence", "evidence", "Evidence from the file"),
    ]),
    ("Faith, language and culture", [
        ("faith-considered", "yes_no_partly", "Were faith and belief considered?"),
        ("interpreter", "yes_no_partly",
         "Could the child and family communicate in the language they prefer?"),
        ("culture-strengths", "scale",
         "How well were cultural and community strengths used? (1 poor to 5 excellent)"),
    ]),
    ("Racism and bias", [
        ("racism-discussed", "yes_no_partly",
         "Was the family\u2019s experience of racism and discrimination discussed?"),
        ("bias-reflected", "yes_no_partly",
         "Is there evidence of the practitioner reflecting on their own position and bias?"),
        ("racism-commentary", "text", "Commentary and analysis"),
    ]),
)

#: (key, label)
THEMES = (
    ("identity-explored", "Identity explored with the child"),
    ("identity-silent", "Identity silent or assumed"),
    ("faith-missing", "Faith missing"),
    ("language-barrier", "Language barrier or no interpreter"),
    ("racism-named", "Racism named and addressed"),
    ("stereotyping", "Stereotyping or adultification"),
    ("community-strengths", "Community strengths used"),
)


def seed(GradeScale, GradeLevel, Questionnaire, Section, Question, Theme) -> None:
    """Create the defaults where missing (idempotent), as published version 1 of the scale and
    of the questionnaire.  Takes the model classes so a caller can pass historical models of a
    schema at or after migration 0005 (migration 0002 seeds the older schema itself)."""
    now = timezone.now()
    scale, _ = GradeScale.objects.get_or_create(
        key=SCALE_KEY, version=1, defaults={"name": SCALE_NAME, "published_at": now})
    for rank, label, good, descriptor in GRADES:
        GradeLevel.objects.get_or_create(scale=scale, rank=rank, defaults={
            "label": label, "good_or_better": good, "descriptor": descriptor})
    questionnaire, created = Questionnaire.objects.get_or_create(
        key=QUESTIONNAIRE_KEY, version=1,
        defaults={"name": QUESTIONNAIRE_NAME, "published_at": now})
    if created:
        for s_order, (title, questions) in enumerate(SECTIONS, start=1):
            section = Section.objects.create(questionnaire=questionnaire, order=s_order,
                                             title=title)
            for q_order, (key, kind, text) in enumerate(questions, start=1):
                Question.objects.create(section=section, order=q_order, key=key, kind=kind,
                                        text=text)
    for key, label in THEMES:
        Theme.objects.get_or_create(key=key, defaults={"label": label})
