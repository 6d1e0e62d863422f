import pytest

from actions.ehr.phones import search_spellings, to_e164


@pytest.mark.parametrize(
    "raw",
    [
        "(617) 555-0142",
        "617-555-0142",
        "+16175550142",
        "6175550142",
        "617.555.0142",
        "1-617-555-0142",
        "+1 (617) 555-0142",
        " 617 555 0142 ",
    ],
)
def test_every_us_spelling_normalises_to_one_e164(raw):
    assert to_e164(raw) == "+16175550142"


@pytest.mark.parametrize("raw", ["", "hello", "12", "555", "+1 617 555 01420000"])
def test_what_cannot_be_a_number_is_none(raw):
    assert to_e164(raw) is None


def test_spellings_cover_the_formats_ehrs_store():
    spellings = search_spellings("+1 617 555 0142")
    for stored in ["(617) 555-0142", "617-555-0142", "+16175550142", "6175550142", "617.555.0142"]:
        assert stored in spellings
    assert len(spellings) == len(set(spellings))
    assert all("," not in s for s in spellings)  # commas would split a FHIR token list


def test_international_number_is_searched_as_e164_and_local_forms():
    spellings = search_spellings("+44 20 7946 0958")
    assert spellings[0] == "+442079460958"
    assert "020 7946 0958" in spellings


def test_no_spellings_for_garbage():
    assert search_spellings("call me") == []
