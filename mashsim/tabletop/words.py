"""What a referrer says, by who refers (the source) and what about (the concern): the vignettes' words.

Written for training, not taken from real referrals.  Each concern has a few
phrasings and each source a way of opening, so that a team reads varied cases;
which phrasing a contact gets follows its id, never its risk.  A source or
concern a scenario adds without words here gets plain ones.
"""

from __future__ import annotations

OPENINGS = {
    "police": ("A police officer attending a call-out reports that", "Police, following a 999 call, say that"),
    "schools": ("The school's designated safeguarding lead says that", "A class teacher has told the school that"),
    "health": ("A health visitor reports that", "A&E staff say that", "The family's GP reports that"),
    "local_authority": ("A housing officer reports that", "The council's early help team says that"),
    "individual": ("A neighbour rings to say that", "A relative calls, worried, and says that"),
    "other": ("A voluntary-sector worker reports that", "A youth worker says that"),
}
DEFAULT_OPENINGS = ("The referrer says that",)

CONCERN_WORDS = {
    "neglect": ("the child often arrives hungry and in the same clothes, and the home is described as chaotic",
                "the children are regularly left alone in the evenings and the home has no heating",
                "the child has missed health appointments and looks unkempt and tired"),
    "physical": ("the child has bruising on the arm that the parent could not explain",
                 "the child said a parent hit them and flinched when an adult came close",
                 "there is an unexplained injury and the accounts of how it happened differ"),
    "sexual": ("the child has disclosed something of a sexual nature about an adult they know",
               "the young person is going missing and has been seen getting into cars with older men",
               "the child's behaviour has become sexualised and they have mentioned a 'secret'"),
    "emotional": ("the parent is heard shouting at and belittling the child, who seems withdrawn",
                  "the young person is self-harming and says nobody at home listens",
                  "the child is anxious, is not eating, and says they are frightened of going home"),
    "domestic_abuse": ("there was a domestic incident at the home with the children present",
                       "the mother has disclosed that her partner is controlling and has threatened her",
                       "neighbours heard a violent argument and a child crying late at night"),
    "fgm": ("a girl has said she is going abroad for a 'special ceremony' this summer",
            "a mother has mentioned that older sisters were 'cut' and the family is planning a trip",
            "a girl has asked to be excused from PE and mentioned pain after a trip abroad"),
}


def referrer_says(source: str, concern: str, variant: int) -> str:
    """The referrer's words for a contact from ``source`` about ``concern`` (``variant``: its phrasing)."""
    openings = OPENINGS.get(source, DEFAULT_OPENINGS)
    concerns = CONCERN_WORDS.get(concern, (f"they are worried about {concern.replace('_', ' ')}",))
    return f"{openings[variant % len(openings)]} {concerns[(variant // len(openings)) % len(concerns)]}."
