"""Subset the report fonts that the binary embeds.

The PDF report must render Korean on a machine with no fonts installed, so the
binary embeds Nanum Gothic (SIL Open Font License 1.1, by NAVER), taken from
Debian's `fonts-nanum` package (`apt-get install fonts-nanum`). The full fonts
are 4.6 MB each; the report needs Latin, punctuation, symbols and the 11,172
Hangul syllables, not the 4,620 Hanja or the TrueType hinting, so this script
keeps only those. A subset is a Modified Version under the OFL, which may not
carry the Reserved Font Names ("Nanum", "NanumGothic", ...), so the subsets are
renamed "Assay Gothic"; the licence travels with them (fonts/OFL.txt). Run
from the repository root:

    .venv/bin/python tools/fonts/subset_fonts.py
"""

from pathlib import Path

from fontTools import subset

SOURCE = Path("/usr/share/fonts/truetype/nanum")
TARGET = Path("crates/assay-report/fonts")

# Unicode blocks the reports use.
RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x017F),  # Latin-1 supplement, Latin Extended-A (ü, é, ß, ...)
    (0x0370, 0x03FF),  # Greek (Δ, Σ, α, β)
    (0x2000, 0x206F),  # general punctuation (– — ‘ ’ “ ” • …)
    (0x2100, 0x214F),  # letterlike symbols (№, ™)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (≤ ≥ ± ≈)
    (0x25A0, 0x25FF),  # geometric shapes (■ □ ●)
    (0x2600, 0x26FF),  # miscellaneous symbols
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xFF00, 0xFFEF),  # half- and full-width forms
]


FAMILY = "Assay Gothic"


def rename(font, style: str) -> None:
    """Give the subset its own family name (OFL: no Reserved Font Name)."""
    full = f"{FAMILY} {style}" if style != "Regular" else FAMILY
    names = {
        1: FAMILY,
        2: style,
        3: f"{FAMILY.replace(' ', '')}-{style};subset of NanumGothic",
        4: full,
        6: f"{FAMILY.replace(' ', '')}-{style}",
        16: FAMILY,
        17: style,
    }
    table = font["name"]
    table.names = [n for n in table.names if n.nameID not in names]
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
        table.setName(text, name_id, 1, 0, 0)


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    unicodes = [c for lo, hi in RANGES for c in range(lo, hi + 1)]
    for name, out in [("NanumGothic", "AssayGothic-Regular"), ("NanumGothicBold", "AssayGothic-Bold")]:
        options = subset.Options()
        options.hinting = False
        options.desubroutinize = True
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.layout_features = ["*"]
        font = subset.load_font(str(SOURCE / f"{name}.ttf"), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        rename(font, "Bold" if name.endswith("Bold") else "Regular")
        path = TARGET / f"{out}.ttf"
        subset.save_font(font, str(path), options)
        print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
