"""Redact personal data before text leaves Pantau (UU 27/2022): numbers, contacts, dates of birth, addresses.

Each kind of personal data is replaced by its placeholder; a cue word before it ("NIK", "rek. BRI", "lahir")
stays, so the reader knows what was there:

=================  ==========================================================================================
``[NIK]``          NIK: 16 digits, plain or grouped ("6408 0123 4567 0002", "6408.0123.4567.0003",
                   "640801-120380-0002"), or 14-18 digits after "NIK"/"KTP" (typos stay covered)
``[NO_KK]``        a Kartu Keluarga number: the same digits after "KK"/"Kartu Keluarga"
``[NPWP]``         NPWP: the old 15 digits grouped 2.3.3.1-3.3 ("12.345.678.9-012.345"), or 15-16 digits
                   after "NPWP" (the new NPWP is the NIK)
``[TELEPON]``      mobile numbers (08.., 628.., +62 8.. with any spaces, dots, dashes, parentheses),
                   landlines with an area code ("(0549) 21234", "0549-21235", "+62 549 21236") and
                   WhatsApp links (wa.me/..., api.whatsapp.com/send?phone=..., wa.link/...), whole
``[EMAIL]``        e-mail addresses, also "budi@localhost", "budi @ gmail.com" and the obfuscated
                   "budi [at] gmail [dot] com", "budi(at)gmail.com", "budi at gmail dot com"
``[PASPOR]``       a passport number (one or two letters and 6-7 digits) after "paspor"/"passport"
``[NOPOL]``        a vehicle plate: a regional code, 1-4 digits and 1-3 letters ("KT 1234 AB"); after
                   "nopol"/"plat nomor" any code and any case ("nopol kt1234ab")
``[REKENING]``     8-18 digits after "rekening"/"rek."/"norek" or a bank's name ("BCA 123 456 7890")
``[NOMOR_ID]``     8-20 digits after another identity cue (BPJS, KIS, ID pelanggan, NIP, NISN, SIM, no.
                   kartu) and any bare run of 10-20 digits that nothing above claimed (an account, card or
                   customer number far more often than anything a reader needs)
``[TGL_LAHIR]``    a date after a birth cue ("lahir 12 Maret 1980", "TTL: Sangatta, 12-03-1980",
                   "tgl lahir 12/03/1980", "kelahiran 1980-03-12"); the place of birth stays
``[ALAMAT]``       a house address (below)
=================  ==========================================================================================

A house address is what points at one household, not at a public place:

* a street, lane or housing estate (``Jalan``/``Jl``/``Jln``, ``Gang``/``Gg``, ``Perumahan``/``Perum``,
  ``Kompleks``/``Komplek``/``Komp``, ``Griya``, ``Villa``, ``Residence``, ``Cluster``) with one to five name
  words, followed by a house number ("No. 12", "no 12A", "nomor 7", "No. 12/3") or a numbered block
  ("Blok C-5", "Blok B2", "Blok 7", "Blok C No 5"), and any RT/RW that follows: the whole is replaced by
  ``[ALAMAT]``;
* an RT/RW followed by a house number ("RT 05 No. 17"): ``[ALAMAT]``.

Kept on purpose, because they locate public infrastructure, serve the reader or are no personal data:

* an RT/RW on its own ("sampah menumpuk di RT 03 RW 05", "Ketua RT 3"): the OPD needs it to find the drain
  or the street light, and it names a neighbourhood of dozens of households, not a person;
* a street without a house number: "Jalan Poros Bengalon rusak parah" stays (that is where the pothole is);
  so does "Jalan Poros KM 12" and "Jl. Mawar 12" (a bare number may be a kilometre or a lane number);
* a number without a street: "No. 1 di Indonesia", "Perda Nomor 3 Tahun 2020", "Km 12";
* "nomor" without digits, a block without a street ("Blok Mahakam", an oil and gas block) or without a
  number ("jalan sepanjang blok A": many houses), and the kelurahan, desa and kecamatan after an address
  ("[ALAMAT] Kel. Teluk Lingga"): they are public;
* money ("Rp 1.250.000.000", "Rp1,2 miliar"), dates of events, years (also "kelahiran 1980": a year alone),
  times, counts, regulation numbers, kode wilayah ("64.08.01.2001"), road numbers ("ruas 0549"), tracking
  numbers below 10 digits, numbers in links ("/status/1865...", "?id=6408...") and social media handles
  ("lewat @kabarsangatta.co.id" is no e-mail);
* names and ages: telling a person's name from an official's or a place's needs more than patterns.

docs/redaction.md has the evaluation set, its recall and false-positive figures, and the known limits.

All patterns are precompiled and no repetition is nested without a bound, so the time is linear in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

# Speed: ``re`` jumps straight to the places where a pattern can start only when the pattern begins with a
# plain character or character class (not a look-behind, not a case-insensitive letter); otherwise it tries
# every position, several times slower. So the frequent patterns begin with a character class or with one
# plain letter per branch, consume that first character and check what precedes it with ``(?<![...].)``.
# The rarer ones (links, e-mail) run only when a cheap trigger is found in the text.


def _by_first_letter(words: Sequence[str]) -> dict[str, str]:
    """For each first letter of ``words``, in both cases: the rest of those words (any case) as one regex."""
    rests: dict[str, list[str]] = {}
    for word in words:
        rests.setdefault(word[0].lower(), []).append(word[1:])
    return {
        letter: f"(?i:{'|'.join(rest)})"
        for first, rest in sorted(rests.items())
        for letter in (first, first.upper())
    }


def _starting_with_letters(branches: dict[str, list[str]], before: str) -> str:
    """Any of ``branches``, each after its first letter (the key) when that is not preceded by ``before``."""
    return "|".join(rf"{letter}(?<![{before}].)(?:{'|'.join(rests)})" for letter, rests in branches.items())


class _Pass(NamedTuple):
    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]
    trigger: re.Pattern[str] | None = None  # a pass whose trigger is absent from the text cannot match


# --- pieces -------------------------------------------------------------------------------------------------

_ID_SEP = r"(?:[.\-]|[ \t]{1,2}|[ \t]-[ \t])"  # between the digit groups of an identity number
_NOT_MONEY = r"(?<![Rr][Pp])(?<![Rr][Pp][.\s])(?<![Rr][Pp]\.\s)(?<!IDR\s)(?!\d{1,3}(?:\.\d{3}){2,}(?!\d))"


def _digits(low: int, high: int) -> str:
    """``low`` to ``high`` digits, a separator allowed between any two of them, and not an amount of money."""
    return rf"{_NOT_MONEY}\d(?:{_ID_SEP}?\d){{{low - 1},{high - 1}}}(?!\d)"


_NOTE = r"\([^()\n\[\]\d]{0,12}\d{0,2}[^()\n\[\]\d]{0,12}\)"  # "(16 digit)", "(lama)", "(KK)"


def _gap(length: int) -> str:
    """From a cue to its number: "NIK: ", "No. KK saya ", "rek. BRI a.n. Budi ", "TTL: Kec. Sangatta, ".

    No digits (but for a short note in parentheses), no placeholder and no sentence end: a dot only after a
    word of up to three letters (an abbreviation). Possessive, as nothing in it could start the number.
    """
    words = rf"[^\d\n.!?;()\[\]]{{0,{length}}}+"
    return rf"{words}(?:(?:(?<![^\W\d_]{{4}})\.|{_NOTE}){words}){{0,2}}\(?"


# from a cue to a value that begins with a letter: up to three words ("paspor saya ", "plat motornya ")
_WORDS_GAP = r"(?:[^\w\n]{1,4}+[^\W\d_]{1,20}+){0,3}?[^\w\n]{1,4}+"


_MONTH = (
    r"(?i:jan(?:uari|uary)?|feb(?:ruari|ruary)?|peb(?:ruari)?|mar(?:et|ch)?|apr(?:il)?|mei|may|jun[ie]?"
    r"|jul[iy]?|agu(?:stus)?|agt|ags|aug(?:ust)?|sep(?:t(?:ember)?)?|okt(?:ober)?|oct(?:ober)?"
    r"|nov(?:ember)?|nop(?:ember)?|des(?:ember)?|dec(?:ember)?)\.?(?![A-Za-z])"
)
_DATE = (
    r"(?:\d{1,2}[ \t]{0,2}[\-/.][ \t]{0,2}\d{1,2}[ \t]{0,2}[\-/.][ \t]{0,2}(?:\d{4}|\d{2})"
    r"|\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}"
    rf"|\d{{1,2}}[ \t\-]{{0,3}}{_MONTH}[ \t\-,]{{0,3}}(?:\d{{4}}|'\d{{2}}))(?!\d)"
)

# --- WhatsApp links and e-mail ------------------------------------------------------------------------------

_WHATSAPP_LINK = re.compile(
    r"(?<![\w/.])(?i:(?:https?://)?(?:www\.)?"
    r"(?:wa\.me/\+?\d|wa\.link/|(?:api|web)\.whatsapp\.com/send/?\?[^\s]{0,80}?phone=|whatsapp://send/?\?phone=))"
    r"[^\s<>\"')\]]{0,300}(?<![.,;:!?])"
)
_WHATSAPP_TRIGGER = re.compile(r"[Ww](?i:a\.me/|a\.link/|hatsapp)")

# not after "@" or a dot, not ending in a dot: "Cc.@akun" and "@a @b.c" are handles, not addresses
_LOCAL = r"(?<![\w.+\-@])[\w+\-](?:[\w.+\-]{0,62}[\w+\-])?"
_LABEL = r"[A-Za-z0-9][A-Za-z0-9\-]{0,62}"
_SPACED_DOT = r"[ \t]?\.[ \t]?"
_TOP_LEVEL = rf"{_SPACED_DOT}[A-Za-z]{{2,24}}(?![\w\-])"
_MAIL_PROVIDER = (
    r"(?i:gmail|googlemail|yahoo|ymail|rocketmail|outlook|hotmail|live|icloud|proton(?:mail)?|aol|mail)"
)
_EMAIL = re.compile(
    # budi.s@gmail.com
    rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL}){{0,4}}\.[A-Za-z]{{2,24}}(?![\w\-])"
    # "budi @ gmail . co . id", "budi@ gmail.com": a space after the "@", which a handle never has
    rf"|{_LOCAL}[ \t]{{0,2}}@[ \t]{{1,2}}{_LABEL}(?:{_SPACED_DOT}{_LABEL}){{0,4}}{_TOP_LEVEL}"
    # "dewi.lestari @gmail.com": a space before it only, so only with a mail provider ("lewat @kabar.co.id"
    # mentions an account)
    rf"|{_LOCAL}[ \t]{{1,2}}@{_MAIL_PROVIDER}(?:{_SPACED_DOT}{_LABEL}){{0,3}}{_TOP_LEVEL}"
    # agus@localhost: a host without a dot, of letters only, so "kg@Rp12.000" stays
    rf"|{_LOCAL}@[A-Za-z][A-Za-z\-]{{1,62}}(?![\w.\-@])"
)
_EMAIL_TRIGGER = re.compile("@")
_AT = r"[ \t]{0,3}[\[({<][ \t]{0,3}(?i:at|et|@)[ \t]{0,3}[\])}>][ \t]{0,3}"
_DOT = r"[ \t]{0,3}[\[({<][ \t]{0,3}(?i:dot|titik|\.)[ \t]{0,3}[\])}>][ \t]{0,3}"
_SPOKEN_DOT = r"(?:[ \t]{1,3}(?i:dot|titik)[ \t]{1,3}|\.)"
_TLD = r"(?i:com|net|org|id|co|go|ac|sch|or|web|my|biz|info|io|me|edu|gov)(?![\w\-])"
_OBFUSCATED_EMAIL = re.compile(
    # budi [at] gmail [dot] com, budi(at)gmail.com, budi[dot]santoso[at]gmail[dot]com
    rf"{_LOCAL}(?:{_DOT}[\w+\-][\w.+\-]{{0,63}}){{0,3}}{_AT}{_LABEL}(?:(?:{_DOT}|\.){_LABEL}){{0,4}}(?![\w\-])"
    # budi at gmail dot com: only with a domain that ends in a known top-level domain
    rf"|{_LOCAL}[ \t]{{1,3}}(?i:at)[ \t]{{1,3}}{_LABEL}(?:{_SPOKEN_DOT}{_LABEL}){{0,3}}{_SPOKEN_DOT}{_TLD}"
)
# "at", "et" or "@" as a word before a closing bracket or a space: "[at]", "( at )", " at "
_OBFUSCATED_EMAIL_TRIGGER = re.compile(r"[AaEe@](?<![^\[({<\s].)(?:(?<=@)|[Tt])[ \t]{0,3}[\])}>\t ]")

# --- values after a cue word --------------------------------------------------------------------------------


class _Cue(NamedTuple):
    placeholder: str
    words: tuple[str, ...]  # regexes, each beginning with a plain letter
    value: str
    gap: str = _gap(25)


_CUES = (
    _Cue(
        "TGL_LAHIR",
        (
            r"lahir(?<!hari[ \t]lahir)",
            r"lhr",
            r"kelahiran(?<!akta[ \t]kelahiran)(?<!angka[ \t]kelahiran)",
            r"ttl",
            r"dob",
            r"birth",
            r"born",
        ),
        _DATE,
        gap=_gap(40),  # "TTL: Sangatta, ", not "lahir di Sangatta. Sejak 12 Maret 2026 ..."
    ),
    _Cue("NO_KK", (r"kk", r"kartu[ \t]{1,3}keluarga"), _digits(14, 18)),
    _Cue("NPWP", (r"npwp",), _digits(15, 16)),
    _Cue("NIK", (r"nik", r"ktp", r"ektp", r"nomor[ \t]{1,3}induk[ \t]{1,3}kependudukan"), _digits(14, 18)),
    _Cue(
        "PASPOR",
        (r"paspor", r"passport", r"pasport"),
        r"(?<![A-Za-z])[A-Za-z]{1,2}[ \t\-]?\d{6,7}(?!\d)",
        gap=_WORDS_GAP,
    ),
    _Cue(
        "NOPOL",
        (
            r"no(?:mor)?\.?[ \t]{0,3}pol(?:isi)?",
            r"nopol",
            r"plat(?:[ \t]{1,3}(?:nomor|no\.?))?",
            r"pelat",
            r"tnkb",
        ),
        r"(?<![A-Za-z])[A-Za-z]{1,2}[ \t\-]?\d{1,4}(?:[ \t\-]?[A-Za-z]{1,3})?(?![\w])",
        gap=_WORDS_GAP,
    ),
    _Cue(
        "REKENING",
        (
            r"rekening",
            r"rek\.?",
            r"no(?:mor)?\.?[ \t]{0,3}rek(?:ening|\.)?",
            r"norek",
            r"acc(?:ount)?",
            r"virtual[ \t]{1,3}account",
            *(r"bri", r"bni", r"bca", r"btn", r"bsi", r"bjb", r"bpd", r"bpr", r"mandiri", r"danamon"),
            *(r"cimb(?:[ \t]{1,3}niaga)?", r"permata", r"muamalat", r"ocbc(?:[ \t]{1,3}nisp)?", r"panin"),
            *(r"bukopin", r"seabank", r"jenius", r"bankaltimtara", r"kaltimtara", r"bank[ \t]{1,3}kalsel"),
        ),
        _digits(8, 18),
    ),
    _Cue(
        "NOMOR_ID",
        (
            r"bpjs(?:[ \t]{1,3}(?:kesehatan|ketenagakerjaan|tk))?",
            *(r"kis", r"jkn(?:-kis)?", r"kjp", r"kip", r"nip", r"nrp", r"nuptk", r"nisn", r"nim", r"sim"),
            r"imei",
            r"id[ \t]{0,3}pel(?:anggan)?",
            r"idpel",
            r"no(?:mor)?\.?[ \t]{0,3}(?:pelanggan|meter|peserta|polis|kartu(?![ \t]{1,3}keluarga))",
        ),
        _digits(8, 20),
    ),
)


def _compile_cues(cues: Sequence[_Cue]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for all cues, and the placeholder of each of its value groups (one per cue and letter)."""
    branches: dict[str, list[str]] = {}
    placeholders: dict[str, str] = {}
    for cue in cues:
        for letter, rest in _by_first_letter(cue.words).items():
            group = f"{cue.placeholder}_{letter}"
            placeholders[group] = cue.placeholder
            branches.setdefault(letter, []).append(rf"{rest}(?![\w]){cue.gap}(?P<{group}>{cue.value})")
    return re.compile(_starting_with_letters(branches, before=r"\w")), placeholders


_CUED, _CUE_PLACEHOLDERS = _compile_cues(_CUES)


def _cued_value(match: re.Match[str]) -> str:
    """The cue and the gap as they were, the value replaced by its placeholder."""
    group = match.lastgroup  # every branch ends with its value's group
    assert group is not None
    return f"{match.string[match.start() : match.start(group)]}[{_CUE_PLACEHOLDERS[group]}]"


# --- numbers recognised by their shape ----------------------------------------------------------------------

_NPWP_SEP = r"(?:[ \t]?[.\-][ \t]?|[ \t])"
_NPWP = re.compile(
    rf"\d(?<![\d.\-].)\d{_NPWP_SEP}\d{{3}}{_NPWP_SEP}\d{{3}}{_NPWP_SEP}\d{_NPWP_SEP}\d{{3}}{_NPWP_SEP}\d{{3}}"
    r"(?!\d)"
)
# the first two digits of a NIK: the province (11 Aceh ... 64 Kalimantan Timur ... 97 Papua Pegunungan),
# not inside another number nor in a link ("/6408...", "?id=6408...")
_PROVINCE = (
    r"[1-9](?<![\d.,/=].)(?<!\d[ \t\-].)"
    r"(?:(?<=1)[1-9]|(?<=2)1|(?<=3)[1-6]|(?<=5)[1-3]|(?<=6)[1-5]|(?<=7)[1-6]|(?<=8)[12]|(?<=9)[1-7])"
)
# 6408 0123 4567 0002, 640801-120380-0002, 64.08.01.120380.0002, 6408012345678901
_DIGIT_GROUPS = re.compile(
    rf"{_PROVINCE}(?=(?:{_ID_SEP}?\d){{14}})\d{{0,14}}(?:{_ID_SEP}\d{{2,16}}){{0,7}}(?!\d)"
)
_DIGIT_GROUP = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _nik(match: re.Match[str]) -> str:
    """``[NIK]`` for the first 16 digits of digit groups that start like a NIK; otherwise unchanged.

    The groups (of two digits or more, the first beginning with a province code) must add up to 16 at a
    group boundary, so rows of thousands ("1.234 2.345 3.456 ...") and of years ("2019 2020 2021 2022")
    stay readable.
    """
    run = match.group()
    groups = list(_DIGIT_GROUP.finditer(run))
    if all(_YEAR.fullmatch(group.group()) for group in groups):
        return run
    digits = 0
    for group in groups:
        digits += len(group.group())
        if digits >= 16:
            return "[NIK]" + run[group.end() :] if digits == 16 else run
    return run


_PHONE_GAP = r"[ \t.\-]{0,2}"
_PHONE_START = r"(?<![\w+(].)(?<!\d[ \t.\-].)"  # after the first character: not inside a word or a number
_COUNTRY_REST = rf"62\)?{_PHONE_GAP}"  # of "+62", "(+62)", "62" once the first character is consumed
_MOBILE = re.compile(
    rf"(?:\({_PHONE_START}(?:\+?{_COUNTRY_REST}(?:\(?0\)?{_PHONE_GAP})?|0)"
    rf"|\+{_PHONE_START}{_COUNTRY_REST}(?:\(?0\)?{_PHONE_GAP})?"
    rf"|6{_PHONE_START}2{_PHONE_GAP}(?:\(?0\)?{_PHONE_GAP})?"
    rf"|0{_PHONE_START}[ \t.\-]?)"
    r"\(?8(?:[ \t.\-()]{0,3}\d){8,11}(?!\d)"
)
_AREA_CODE = r"[2-79]\d{1,2}"  # 21 Jakarta, 549 Sangatta; 8.. are mobile numbers
_LANDLINE = re.compile(
    rf"(?:\({_PHONE_START}(?:0{_AREA_CODE}\)|\+?{_COUNTRY_REST}\(?{_AREA_CODE}\)?)"
    rf"|0{_PHONE_START}{_AREA_CODE}(?=[ \t.\-])"
    rf"|\+{_PHONE_START}{_COUNTRY_REST}\(?{_AREA_CODE}\)?)"
    r"[ \t.\-]{0,3}\d(?:[ \t.\-]?\d){4,7}(?!\d)"
)

# regional codes: every first letter is a code of its own ("B" Jakarta), some have two-letter codes ("KT")
_PLATE_SECOND_LETTERS = {
    "A": "ABDEG",
    "B": "ABDEGHKLMNP",
    "D": "ABCDEGHKLMNPRTW",
    "E": "ABD",
    "K": "BHTU",
    "P": "AB",
}
_TWO_LETTER_CODE = "|".join(f"(?<={first})[{second}]" for first, second in _PLATE_SECOND_LETTERS.items())
_PLATE = re.compile(
    r"[ABDEFGHKLMNPRSTWZ](?<![\w\-/.].)(?<!(?i:blok)[ \t].)"
    # a one-letter code needs three or four digits: "gedung B 12 A" and "kelas B 2 SMA" are no plates
    rf"(?:(?:{_TWO_LETTER_CODE})(?:[ \t\-]\d{{1,4}}[ \t\-]?|\d{{2,4}}[ \t\-]?)|[ \t\-]?\d{{3,4}}[ \t\-]?)"
    r"(?!(?:RT|RW)(?![\w]))[A-Z]{1,3}(?![\w\-/])"
)

_LONG_NUMBER = re.compile(
    r"\d(?<![\w.,/#=@\-].)\d{9,19}(?![\w]|[.,]\d|[ \t]{0,3}(?i:rupiah|rp|ribu|juta|miliar|triliun)(?![\w]))"
)

# --- house addresses ----------------------------------------------------------------------------------------

_GAP = r"[ \t]*+(?:,[ \t]*+)?"
_DOT_OR_SPACE = r"(?:\.[ \t]*|[ \t]+)"
_PLACE_PREFIXES = (
    *(r"jalan[ \t]+", rf"jln?{_DOT_OR_SPACE}", r"gang[ \t]+", rf"gg{_DOT_OR_SPACE}", r"perumahan[ \t]+"),
    *(rf"perum{_DOT_OR_SPACE}", r"kompleks[ \t]+", r"komplek[ \t]+", rf"komp{_DOT_OR_SPACE}", r"griya[ \t]+"),
    *(r"villa[ \t]+", r"residence[ \t]+", r"cluster[ \t]+"),
)
# a word of a street or estate name, in any case, but not the house part that follows it, nor the start of
# another street: in "Jalan berlubang di depan Jl. Mawar No. 12" the address is "Jl. Mawar No. 12" only
_PLACE_WORD = (
    r"(?!(?i:no|nomor|nomer|blok|rt|rw|jalan|jln?|gang|gg)(?![\w'\u2019]))"
    r"(?:[^\W\d_][\w'\u2019-]{0,29}\.?|\d{1,3})"
)
# atomic: the words never include the house part, so giving some back could not help
_PLACE = (
    "(?:"
    + _starting_with_letters(
        {first: [rest] for first, rest in _by_first_letter(_PLACE_PREFIXES).items()}, r"\w\-"
    )
    + rf")(?>{_PLACE_WORD}(?:[ \t]+{_PLACE_WORD}){{0,4}})"
)
_NUMBER = r"\d{1,4}[A-Za-z]?(?:[ \t]*+[/-][ \t]*+\d{1,4}[A-Za-z]?)?(?![\w])"
_HOUSE_NUMBER = rf"(?i:no|nomor|nomer)\.?[ \t]*+{_NUMBER}"
_BLOCK = r"(?i:blok)\.?[ \t]*+(?:[A-Za-z]{1,2}(?:[ \t]*+(?:[-.][ \t]*+)?\d{1,4}[A-Za-z]?)?|\d{1,4})(?![\w])"
# a block of houses needs a number: "Blok C-5", "Blok B2", "Blok 7"; "Blok C" alone is many houses
_NUMBERED_BLOCK = (
    r"(?i:blok)\.?[ \t]*+(?:[A-Za-z]{1,2}[ \t]*+(?:[-.][ \t]*+)?\d{1,4}[A-Za-z]?|\d{1,4})(?![\w])"
)
_RT_RW = (
    r"[Rr](?<![\w].)(?:[Tt][ \t]*+/[ \t]*+[Rr][Ww]\.?[ \t]*+\d{1,3}[ \t]*+/[ \t]*+\d{1,3}"
    r"|[TtWw]\.?[ \t]*+\d{1,3}(?:[ \t]*+(?:[/,][ \t]*+)?[Rr][Ww]\.?[ \t]*+\d{1,3})?)(?!\d)"
)
_ADDRESS = re.compile(
    rf"{_PLACE}{_GAP}(?:{_BLOCK}{_GAP}{_HOUSE_NUMBER}|{_NUMBERED_BLOCK}|{_HOUSE_NUMBER})(?:{_GAP}{_RT_RW})?"
)
_RT_RW_HOUSE = re.compile(rf"{_RT_RW}{_GAP}{_HOUSE_NUMBER}")  # "RT 05 No. 17": one house, no street named
_REPEATED_ADDRESS = re.compile(rf"\[ALAMAT\](?:{_GAP}\[ALAMAT\])+")

# --- the order: links before e-mail before numbers; phones before cues, so that a bank's name before a
# phone number does not make it an account; then identity numbers, addresses, plates and what is left ----

_ADDRESS_PASSES = (
    _Pass(_ADDRESS, "[ALAMAT]"),
    _Pass(_RT_RW_HOUSE, "[ALAMAT]"),
    _Pass(_REPEATED_ADDRESS, "[ALAMAT]"),
)
_PASSES = (
    _Pass(_WHATSAPP_LINK, "[TELEPON]", _WHATSAPP_TRIGGER),
    _Pass(_EMAIL, "[EMAIL]", _EMAIL_TRIGGER),
    _Pass(_OBFUSCATED_EMAIL, "[EMAIL]", _OBFUSCATED_EMAIL_TRIGGER),
    _Pass(_NPWP, "[NPWP]"),
    _Pass(_MOBILE, "[TELEPON]"),
    _Pass(_LANDLINE, "[TELEPON]"),
    _Pass(_CUED, _cued_value),
    _Pass(_DIGIT_GROUPS, _nik),
    *_ADDRESS_PASSES,
    _Pass(_PLATE, "[NOPOL]"),
    _Pass(_LONG_NUMBER, "[NOMOR_ID]"),
)


def _apply(passes: Sequence[_Pass], text: str) -> str:
    for pattern, replacement, trigger in passes:
        if trigger is None or trigger.search(text):
            text = pattern.sub(replacement, text)
    return text


def redact_address(text: str) -> str:
    """``text`` with house addresses replaced by ``[ALAMAT]`` (see the module docstring)."""
    return _apply(_ADDRESS_PASSES, text)


def redact(text: str) -> str:
    """``text`` with every kind of personal data of the module docstring replaced by its placeholder."""
    return _apply(_PASSES, text)


def redact_values(value: Any) -> Any:
    """``value`` with every string inside it redacted: dictionaries, lists and tuples are walked (keys are
    names, not data, and stay); everything else is returned as it is. For structured records that leave
    Pantau, such as a detection's explanation."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_values(item) for item in value)
    return value
