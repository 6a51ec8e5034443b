"""What buyers type, and which demo products (home/demo/catalog.py) each query must find in its first five.

Kinds: typo, slang (the demo synonyms, home/demo/synonyms.py), affix, partial (a word cut short, as on
a phone), sku (the product's SKU typed in full; the query here is the product's name), multi (several words).
"""

KOPI_GAYO = "Kopi Gayo Arabika 200 g"
KOPI_ROBUSTA = "Kopi Robusta Lampung Bubuk 250 g"
KERIPIK_SINGKONG = "Keripik Singkong Balado 250 g"
KERIPIK_TEMPE = "Keripik Tempe Sagu"
SAMBAL = "Sambal Bawang Botol 200 g"
HIJAB = "Hijab Segi Empat Voal"
BASRENG = "Basreng Pedas Daun Jeruk"

QUERIES = [
    # Typos: one letter too many, too few, wrong or swapped.
    ("typo", "kopii gayo", [KOPI_GAYO]),
    ("typo", "kopu", [KOPI_GAYO, KOPI_ROBUSTA]),
    ("typo", "keripk singkong", [KERIPIK_SINGKONG]),
    ("typo", "rempeyk", ["Rempeyek Kacang Tanah"]),
    ("typo", "sabun sereeh", ["Sabun Sereh Handmade"]),
    ("typo", "mukna", ["Mukena Travel Parasut"]),
    ("typo", "batk tulis", ["Batik Tulis Tulungagung (kain 2 m)"]),
    ("typo", "gamsi", ["Gamis Katun Rayon"]),
    ("typo", "tersi udang", ["Terasi Udang Bangka"]),
    ("typo", "andalimam", ["Andaliman Kering 50 g"]),
    ("typo", "sirop markisa", ["Sirup Markisa Medan 630 ml"]),
    ("typo", "minyk zaitun", ["Minyak Zaitun Kemasan Travel"]),
    ("typo", "jahe merh", ["Jahe Merah Instan"]),
    ("typo", "basrng", [BASRENG]),
    # Slang and other spellings, through the owner's synonyms.
    ("slang", "sambel", [SAMBAL]),
    ("slang", "kripik", [KERIPIK_SINGKONG, KERIPIK_TEMPE]),
    ("slang", "kripik pedas", [KERIPIK_SINGKONG]),
    ("slang", "jilbab", [HIJAB]),
    ("slang", "kerudung voal", [HIJAB]),
    ("slang", "krupuk udang", ["Kerupuk Udang Sidoarjo 500 g"]),
    ("slang", "coklat bubuk", ["Cokelat Bubuk Aceh"]),
    ("slang", "kopiah", ["Peci Rajut Putih"]),
    ("slang", "mukenah", ["Mukena Travel Parasut"]),
    # Affixes: the same word with -nya, -an, -kan.
    ("affix", "pedasnya", [BASRENG, SAMBAL, KERIPIK_SINGKONG]),
    ("affix", "renyahnya", [KERIPIK_SINGKONG, "Kue Bawang Renyah", KERIPIK_TEMPE]),
    ("affix", "hangatnya", ["Jahe Merah Instan", "Lulur Bali Boreh", "Balsem Cengkih Herbal"]),
    ("affix", "wanginya", ["Teh Melati Tubruk 100 g", "Sabun Sereh Handmade"]),
    ("affix", "sambalnya", [SAMBAL, "Bumbu Pecel Madiun 250 g"]),
    # Partial words, as typed on a phone before the suggestions show up.
    ("partial", "kop", [KOPI_GAYO, KOPI_ROBUSTA]),
    ("partial", "rend", ["Bumbu Rendang Instan"]),
    ("partial", "gantung", ["Gantungan Kunci Wayang Kulit"]),
    ("partial", "anyam", ["Tas Anyaman Pandan"]),
    ("partial", "teh mel", ["Teh Melati Tubruk 100 g"]),
    ("partial", "minyak kay", ["Minyak Kayu Putih Buru 60 ml"]),
    # SKUs typed in full (the query is the SKU of the named product).
    ("sku", KOPI_GAYO, [KOPI_GAYO]),
    ("sku", SAMBAL, [SAMBAL]),
    ("sku", HIJAB, [HIJAB]),
    ("sku", "Tempat Tisu Rotan", ["Tempat Tisu Rotan"]),
    # Several words.
    ("multi", "teh melati", ["Teh Melati Tubruk 100 g"]),
    ("multi", "minyak kayu putih", ["Minyak Kayu Putih Buru 60 ml"]),
    ("multi", "kain batik", ["Batik Tulis Tulungagung (kain 2 m)"]),
    ("multi", "tas pandan", ["Tas Anyaman Pandan"]),
    ("multi", "gula aren cair", ["Gula Aren Cair 500 ml"]),
    ("multi", "kopi robusta lampung", [KOPI_ROBUSTA]),
    ("multi", "kecap manis", ["Kecap Manis Cap Bango-an 520 ml"]),
    ("multi", "sarung tenun", ["Sarung Tenun Samarinda"]),
    ("multi", "bedak dingin", ["Bedak Dingin Beras Kencur"]),
    ("multi", "oleh-oleh wayang", ["Gantungan Kunci Wayang Kulit"]),
    ("multi", "keripik balado pedas", [KERIPIK_SINGKONG]),
]
