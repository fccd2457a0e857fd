"""Fills empty msgstr entries of the Simplified Chinese catalogue from TRANSLATIONS, then
`manage.py compilemessages` builds the .mo. Run after `manage.py makemessages -l zh_Hans`."""

import re
import sys
from pathlib import Path

CATALOGUE = Path(__file__).parent / "zh_Hans" / "LC_MESSAGES" / "django.po"

TRANSLATIONS = {
    "The password is incorrect.": "密码不正确。",
    "Your account and all its data were deleted.": "您的账户及其全部数据已删除。",
}


def fill(text: str) -> tuple[str, list[str]]:
    entries, missing = [], []
    for entry in text.split("\n\n"):
        lines = entry.split("\n")
        starts = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        ends = [i for i, line in enumerate(lines) if line.startswith("msgstr ")]
        if not starts or not ends:
            entries.append(entry)
            continue
        msgid = "".join(re.match(r'^(?:msgid )?"(.*)"$', line).group(1) for line in lines[starts[0] : ends[0]])
        untranslated = lines[ends[0]] == 'msgstr ""' and len(lines) == ends[0] + 1
        if msgid and untranslated:
            if msgid in TRANSLATIONS:
                lines = [line for line in lines[: ends[0]] if line != "#, fuzzy"] + [f'msgstr "{TRANSLATIONS[msgid]}"']
            else:
                missing.append(msgid)
        entries.append("\n".join(lines))
    return "\n\n".join(entries), missing


if __name__ == "__main__":
    filled, missing = fill(CATALOGUE.read_text())
    CATALOGUE.write_text(filled)
    if missing:
        sys.exit("untranslated: " + "; ".join(missing))
