"""Name, address and phone pools. Every combination is made up; none is copied from a real person."""

from __future__ import annotations

import random
import unicodedata

# fmt: off
GIVEN_FEMALE = (
    "Abigail", "Adaeze", "Alicia", "Amara", "Amy", "Ana", "Angela", "Anjali", "Ava", "Beatriz", "Brenda",
    "Bridget", "Camila", "Carmen", "Caroline", "Catherine", "Chen", "Chloe", "Christine", "Daniela",
    "Deborah", "Denise", "Diane", "Elena", "Elizabeth", "Emily", "Emma", "Erin", "Fatima", "Fiona",
    "Gabriela", "Gloria", "Hailey", "Helen", "Imani", "Ingrid", "Isabel", "Jasmine", "Jennifer", "Jessica",
    "Joan", "Julia", "Karen", "Katherine", "Keiko", "Laura", "Leah", "Lily", "Lucia", "Maya", "Megan",
    "Mei", "Melissa", "Michelle", "Mia", "Monica", "Nadia", "Naomi", "Natalie", "Nicole", "Olivia", "Paula",
    "Rachel", "Rebecca", "Rosa", "Ruth", "Sabrina", "Sandra", "Sofia", "Sonia", "Stephanie", "Tamara",
    "Teresa", "Valerie", "Vanessa", "Victoria", "Wendy", "Yasmin", "Yolanda",
)
# fmt: on

# fmt: off
GIVEN_MALE = (
    "Aaron", "Adam", "Ahmed", "Alan", "Andre", "Andrew", "Anthony", "Arjun", "Benjamin", "Bradley",
    "Brandon", "Brian", "Caleb", "Carlos", "Charles", "Christopher", "Daniel", "David", "Derek", "Diego",
    "Dmitri", "Edward", "Elijah", "Eric", "Felipe", "Francis", "Gabriel", "George", "Gregory", "Hassan",
    "Henry", "Hiroshi", "Isaac", "Ivan", "Jacob", "Jamal", "Jason", "Javier", "Jeffrey", "Jonathan",
    "Joseph", "Joshua", "Juan", "Julian", "Kenji", "Kevin", "Kofi", "Lawrence", "Leonard", "Logan", "Lucas",
    "Manuel", "Mark", "Martin", "Mateo", "Matthew", "Mohammed", "Nathan", "Nicholas", "Omar", "Oscar",
    "Patrick", "Paul", "Peter", "Rajesh", "Raymond", "Ricardo", "Richard", "Roberto", "Ryan", "Samir",
    "Scott", "Sean", "Stephen", "Steven", "Timothy", "Victor", "Vincent", "Wei", "Zachary",
)
# fmt: on

# fmt: off
FAMILY = (
    "Abbott", "Acosta", "Adler", "Aguilar", "Ahmed", "Alvarez", "Andersen", "Armstrong", "Bailey", "Baker",
    "Banerjee", "Barnes", "Becker", "Bennett", "Bishop", "Blackwood", "Bowman", "Boyle", "Bradford",
    "Brennan", "Caldwell", "Campbell", "Carr", "Castillo", "Chandler", "Chang", "Chaudhry", "Chen",
    "Coleman", "Collins", "Connolly", "Crawford", "Cruz", "Cunningham", "Dawson", "Diaz", "Donovan",
    "Doyle", "Duarte", "Duncan", "Eastman", "Edwards", "Ellison", "Emerson", "Estrada", "Farrell",
    "Fernandes", "Fitzgerald", "Fleming", "Flores", "Foster", "Franklin", "Gallagher", "Garcia", "Gardner",
    "Goldberg", "Gomez", "Greene", "Gupta", "Gutierrez", "Hale", "Hamilton", "Hansen", "Harper", "Hayes",
    "Henderson", "Hernandez", "Holloway", "Hughes", "Ibrahim", "Jackson", "Jensen", "Kang", "Kaplan",
    "Keller", "Kennedy", "Khan", "Kowalski", "Kumar", "Lambert", "Larsen", "Lawson", "Lindgren", "Lopez",
    "Lynch", "Mahoney", "Malik", "Marsh", "Martinez", "McCarthy", "Medina", "Mehta", "Mendes", "Mitchell",
    "Molina", "Morales", "Murphy", "Nakamura", "Navarro", "Nelson", "Novak", "Nowak", "Okafor", "Olsen",
    "Ortega", "Owens", "Pacheco", "Patel", "Pereira", "Perkins", "Phillips", "Quinn", "Ramirez", "Ramos",
    "Reddy", "Reyes", "Richardson", "Rivera", "Robinson", "Rojas", "Russo", "Santos", "Schmidt", "Schultz",
    "Shah", "Shapiro", "Sharma", "Sheridan", "Silva", "Singh", "Soto", "Stewart", "Sullivan", "Suzuki",
    "Tanaka", "Thompson", "Torres", "Tran", "Turner", "Vargas", "Vasquez", "Wagner", "Walsh", "Warren",
    "Watanabe", "Weiss", "Wheeler", "Wong", "Yamamoto", "Yang", "Young", "Zhang", "Zimmerman",
)
# fmt: on

# fmt: off
STREETS = (
    "Maple Street", "Oak Avenue", "Elm Street", "Cedar Lane", "Pine Street", "Birch Road", "Willow Way",
    "Chestnut Street", "Highland Avenue", "Pleasant Street", "School Street", "Washington Street",
    "Prospect Street", "Summer Street", "Spring Street", "Walnut Street", "Park Avenue", "Union Street",
    "Central Street", "Church Street", "Mill Road", "Hillside Avenue", "Lake Street", "Forest Road",
    "Orchard Lane", "Meadow Drive", "Brook Street", "Harbor View Road", "Sunset Drive", "Grove Street",
)
# fmt: on

# Real Massachusetts towns and their real ZIP codes; street numbers and names are made up.
# fmt: off
CITIES = (
    ("Medford", "02155"), ("Somerville", "02144"), ("Malden", "02148"), ("Arlington", "02474"),
    ("Everett", "02149"), ("Melrose", "02176"), ("Woburn", "01801"), ("Stoneham", "02180"),
    ("Winchester", "01890"), ("Lexington", "02421"), ("Waltham", "02453"), ("Watertown", "02472"),
    ("Belmont", "02478"), ("Cambridge", "02139"), ("Revere", "02151"), ("Lynn", "01902"),
    ("Saugus", "01906"), ("Burlington", "01803"), ("Reading", "01867"), ("Wakefield", "01880"),
)
# fmt: on

# Area codes for fictional 555-01XX numbers (555-0100..555-0199 is reserved for fiction in every area code).
# fmt: off
PATIENT_AREA_CODES = (
    "617", "781", "857", "339", "978", "508", "774", "351", "413", "401", "603", "802", "207", "860", "203",
    "212", "646", "718", "917", "347", "215", "267", "412", "312", "773", "415", "510", "206", "503", "303",
    "512", "305", "404", "702", "602",
)
# fmt: on
# Numbers kept for organizations (clinic, pharmacies, insurers); never given to a patient.
ORG_AREA_CODE = "781"
ORG_LINES = range(190, 200)

PHONE_FORMATS = ("paren", "dashes", "e164", "digits", "dots")


def format_phone(area: str, line: int, style: str) -> str:
    """One fictional number, 555-01XX, written the way some EHRs store it."""
    if not 100 <= line <= 199:
        raise ValueError("only 555-0100..555-0199 are fictional")
    exchange, subscriber = "555", f"0{line}"
    if style == "paren":
        return f"({area}) {exchange}-{subscriber}"
    if style == "dashes":
        return f"{area}-{exchange}-{subscriber}"
    if style == "e164":
        return f"+1{area}{exchange}{subscriber}"
    if style == "digits":
        return f"{area}{exchange}{subscriber}"
    if style == "dots":
        return f"{area}.{exchange}.{subscriber}"
    raise ValueError(f"unknown phone format {style!r}")


def e164(area: str, line: int) -> str:
    return format_phone(area, line, "e164")


def phone_pool(rng: random.Random, reserved: set[tuple[str, int]]) -> list[tuple[str, int]]:
    """Every fictional patient number, shuffled; numbers in `reserved` are left out."""
    pool = [
        (area, line)
        for area in PATIENT_AREA_CODES
        for line in range(100, 200)
        if (area, line) not in reserved and not (area == ORG_AREA_CODE and line in ORG_LINES)
    ]
    rng.shuffle(pool)
    return pool


def email_for(given: str, family: str, rng: random.Random) -> str:
    """Addresses only at the reserved example domains (RFC 2606)."""
    plain = unicodedata.normalize("NFKD", f"{given}.{family}").encode("ascii", "ignore").decode()
    local_part = "".join(ch for ch in plain.lower() if ch.isalnum() or ch == ".")
    suffix = rng.choice(("", "", str(rng.randint(1, 99))))
    return f"{local_part}{suffix}@{rng.choice(('example.com', 'example.org', 'example.net'))}"


def street_address(rng: random.Random) -> tuple[str, str, str]:
    city, postal = rng.choice(CITIES)
    line = f"{rng.randint(3, 998)} {rng.choice(STREETS)}"
    if rng.random() < 0.15:
        line += f", Apt {rng.randint(1, 12)}{rng.choice('ABCD')}"
    return line, city, postal


def address(line: str, city: str, postal: str, state: str = "MA", use: str = "home") -> dict:
    return {
        "use": use,
        "type": "both",
        "line": [line],
        "city": city,
        "state": state,
        "postalCode": postal,
        "country": "US",
    }
