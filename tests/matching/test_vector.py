"""The vectorised NIK decoding of the in-memory index agrees with the scalar parser (fast vs reference)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching._vector import birth_region_codes, nik_values
from matching.blocking import roster_birth_date
from matching.nik import parse_nik
from matching.nip import parse_nip

digits16 = st.from_regex(r"[0-9]{16}", fullmatch=True)
noisy = st.one_of(
    digits16,
    st.tuples(
        st.sampled_from(["'", '"', "`", "‘", " "]), digits16, st.sampled_from(["", "'", '"', ".0", " "])
    ).map("".join),
    st.text(alphabet="0123456789 .-'\"/_,eE\n", max_size=20),
    st.sampled_from(["2222222222222222", "0000000000000000", "1234567890123456", "0123456789012345"]),
    st.none(),
    st.text(max_size=18),
)


def reference(raw: str | None) -> int:
    if raw is None:
        return -1
    nik = parse_nik(raw)
    return int(nik.digits) if nik.usable and nik.digits is not None else -1


@settings(max_examples=300)
@given(st.lists(noisy, max_size=30))
def test_nik_values_equal_the_scalar_parser(raws: list[str | None]) -> None:
    assert nik_values(raws).tolist() == [reference(r) for r in raws]


@given(digits16, st.one_of(st.none(), st.from_regex(r"[0-9 ]{18,21}", fullmatch=True)))
def test_birth_region_codes_cover_the_roster_birth_date(nik: str, nip: str | None) -> None:
    parsed = parse_nik(nik)
    birth = roster_birth_date(parsed, parse_nip(nip) if nip else None)
    if birth is None or not parsed.usable:
        return
    from_nik, from_nip = birth_region_codes(np.array([int(nik)]), [nip])
    code = int(f"{birth:%Y%m%d}{nik[:4]}")
    assert code in (int(from_nik[0]), int(from_nip[0]))
