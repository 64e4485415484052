"""The default prompt set shipped with arpkit (seeded by migration 0002; leads edit it in the app).

Sources (web.md §4): the Child Safeguarding Practice Review Panel's *"It's Silent": race,
racism and safeguarding children* (March 2025); John Burnham's Social GGRRAAACCEEESSS and his
reflective questions; the Kingston & Richmond SCP "Identity" questions; IRISS "Understanding my
family's background and beliefs"; Durham SCP (May 2025) on racism as a cause of harm; the
Children Act 1989 s22(5)(c) duty to consider religious persuasion, racial origin and cultural
and linguistic background of looked-after children.  Wording here is arpkit's own paraphrase.
"""

from __future__ import annotations

GUIDANCE = (
    "National case reviews found race, ethnicity and culture \u201cmarginalised, understated, "
    "underexplored\u201d in safeguarding work, and faith often missing (Child Safeguarding "
    "Practice Review Panel, \u201cIt\u2019s Silent\u201d, 2025). Use these prompts to make "
    "them visible in this assessment, plan or review. Record what the child and family told you "
    "in their words, and your own analysis separately."
)

#: (key, label, description)
DOMAINS: tuple[tuple[str, str, str], ...] = (
    ("identity-heritage", "Identity and heritage",
     "How the child and family describe who they are, and what their heritage means to them."),
    ("faith-belief", "Faith and belief",
     "Religion, spirituality and belief, and how they shape family life and support."),
    ("language-communication", "Language and communication",
     "Languages spoken and understood, and whether the child and family could take part fully."),
    ("racism-discrimination", "Family\u2019s experience of racism and discrimination",
     "Racism the child and family have met, including from services, and its effect on them."),
    ("culture-community", "Culture and community strengths",
     "Cultural and community resources that protect and support the child."),
    ("practitioner-position", "Practitioner\u2019s own position and possible bias",
     "Your own identity and power in this work, drawing on the Social GGRRAAACCEEESSS."),
)

#: (domain key, prompt key, asks_voice, text, guidance, source)
PROMPTS: tuple[tuple[str, str, bool, str, str, str], ...] = (
    ("identity-heritage", "child-self-description", True,
     "How does the child describe their own identity, ethnicity and heritage?",
     "Use the child\u2019s own words. Ask rather than assume from a recorded code.",
     "Burnham, Social GGRRAAACCEEESSS: \u201cHow would you describe yourself?\u201d"),
    ("identity-heritage", "identity-in-plan", True,
     "How is the child\u2019s identity reflected in this assessment, plan or review?",
     "Say what will be done to support a positive sense of identity.",
     "Children Act 1989 s22(5)(c)"),
    ("faith-belief", "faith-in-family-life", True,
     "What part do faith, religion or belief play in the family\u2019s life and decisions?",
     "Include practices, festivals, diet and the family\u2019s faith community.",
     "IRISS: Understanding my family\u2019s background and beliefs"),
    ("faith-belief", "faith-as-support", True,
     "Could the family\u2019s faith community offer support, or are there risks to consider?",
     "", "Child Safeguarding Practice Review Panel, 2025"),
    ("language-communication", "language-spoken", True,
     "Which languages do the child and family speak and understand best?",
     "Record whether an interpreter was offered, used, or declined, and why.", ""),
    ("language-communication", "voice-heard", True,
     "Were the child and family able to say everything they wanted to, in their own language?",
     "", ""),
    ("racism-discrimination", "experience-of-racism", True,
     "Have the child or family faced racism, discrimination or prejudice, including from "
     "services?",
     "Racism is not a separate category of abuse but can cause significant harm and aggravate "
     "other harms (Durham SCP, 2025).",
     "Kingston & Richmond SCP, Identity questions"),
    ("racism-discrimination", "impact-of-racism", True,
     "How has that experience affected the child\u2019s wellbeing, safety and trust in services?",
     "", "Durham SCP, 2025"),
    ("culture-community", "cultural-strengths", True,
     "What cultural and community strengths protect and support this child?",
     "Extended family, community groups, cultural practices the child values.", ""),
    ("culture-community", "parenting-in-context", True,
     "How have you understood parenting practices in their cultural context, without excusing "
     "harm?", "", ""),
    ("practitioner-position", "how-seen", False,
     "How might the child and family see you? Which of your graces are visible or voiced?",
     "Social GGRRAAACCEEESSS: gender, geography, generation, race, religion, age, ability, "
     "appearance, class, culture, caste, education, ethnicity, economics, employment, "
     "spirituality, sexuality, sexual orientation.",
     "Burnham: \u201cHow might someone you meet describe you?\u201d"),
    ("practitioner-position", "stereotypes", False,
     "Do you hold any stereotypes or assumptions about this family? How have you tested them?",
     "Bring this to supervision.", "Kingston & Richmond SCP, Identity questions"),
    ("practitioner-position", "hidden-grace", False,
     "Which grace remains hidden from your view in this work?", "",
     "Burnham: \u201cWhich grace remains hidden from your view?\u201d"),
)


def seed(Domain, Prompt, PromptVersion) -> int:
    """Create the default domains and prompts where missing (idempotent); returns prompts added.

    Takes the model classes so a data migration can pass its historical models.
    """
    added = 0
    domains = {}
    for order, (key, label, description) in enumerate(DOMAINS, start=1):
        domains[key], _ = Domain.objects.get_or_create(
            key=key, defaults={"label": label, "description": description, "order": order})
    for order, (dkey, pkey, voice, text, guidance, source) in enumerate(PROMPTS, start=1):
        prompt, created = Prompt.objects.get_or_create(
            key=pkey, defaults={"domain": domains[dkey], "order": order, "asks_voice": voice})
        if created:
            PromptVersion.objects.create(prompt=prompt, number=1, text=text,
                                         guidance=guidance, source=source)
            added += 1
    return added
