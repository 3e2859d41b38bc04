"""Header values of the e-mails we build. A subject is made of data people typed or imported (an
event's title, a pupil's name): a line break in it must never start a new header (a «Bcc:» of the
attacker's choice) nor make the message unsendable (the email package refuses CR/LF in a header
value, so such a message used to fail on every attempt). header_text() turns line breaks and other
control characters into spaces and drops invisible format characters (e.g. the right-to-left
override); the email package's policy (email.policy.SMTP) then encodes (RFC 2047) and folds the
value. An address header carries exactly one parsed address (headerregistry.Address)."""
import unicodedata
from email.headerregistry import Address

SUBJECT_MAX = 255  # OutboxMessage.subject


def header_text(value, limit=SUBJECT_MAX):
    out = []
    for char in str(value or ""):
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif category[0] != "C":  # Cf, Cs, Co, Cn: invisible or not a character
            out.append(char)
    return " ".join("".join(out).split())[:limit]


def single_address(value):
    """One address for To:, or ValueError — never a list smuggled in through a comma."""
    return Address(addr_spec=str(value).strip())
