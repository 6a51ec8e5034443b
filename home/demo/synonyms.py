"""Demo synonym groups: words Indonesian buyers type for the demo catalog's products (search.Synonym)."""

SYNONYMS = [
    "sambal, sambel",
    "keripik, kripik",
    "hijab, jilbab, kerudung",
    "kerupuk, krupuk",
    "cokelat, coklat",
    "mukena, mukenah",
    "peci, kopiah, songkok",
]
