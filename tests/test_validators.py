import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughcare.people import validators


@pytest.mark.parametrize("value", ["4857773457", "485 777 3457", "485-777-3457", "9434765919"])
def test_valid_nhs_numbers(value):
    assert validators.nhs_number(value) == value.replace(" ", "").replace("-", "")


@pytest.mark.parametrize("value,message", [
    ("4857773456", "not valid"), ("123", "10 digits"), ("", "10 digits"), ("48577734ab", "10 digits"),
])
def test_invalid_nhs_numbers(value, message):
    with pytest.raises(ValueError, match=message):
        validators.nhs_number(value)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nhs_check_digit_round_trips(first_nine):
    check = validators.nhs_check_digit(first_nine)
    if check is None:
        for digit in range(10):
            with pytest.raises(ValueError):
                validators.nhs_number(first_nine + str(digit))
    else:
        assert validators.nhs_number(first_nine + str(check)) == first_nine + str(check)
        wrong = (check + 1) % 10
        with pytest.raises(ValueError):
            validators.nhs_number(first_nine + str(wrong))


def test_pnc_ids():
    letter = validators.pnc_check_letter("2012", "443201")
    assert validators.pnc_id(f"2012/443201{letter}") == f"2012/0443201{letter}"
    assert validators.pnc_id(f"12/0443201{letter}") == f"2012/0443201{letter}"
    wrong = "A" if letter != "A" else "B"
    with pytest.raises(ValueError, match="check letter"):
        validators.pnc_id(f"2012/0443201{wrong}")
    with pytest.raises(ValueError, match="look like"):
        validators.pnc_id("20120443201")


def test_prison_and_probation_formats():
    assert validators.prison_number(" a1234bc ") == "A1234BC"
    assert validators.probation_reference("x123456") == "X123456"
    for bad in ["A123BC", "11234BC", "A1234B1"]:
        with pytest.raises(ValueError):
            validators.prison_number(bad)
    with pytest.raises(ValueError):
        validators.probation_reference("X12345")


def test_postcode_and_date_of_birth():
    assert validators.postcode("sw1a2aa") == "SW1A 2AA"
    with pytest.raises(ValueError):
        validators.postcode("not a postcode")
    today = dt.date(2026, 11, 23)
    with pytest.raises(ValueError, match="past"):
        validators.date_of_birth(dt.date(2026, 11, 24), today=today)
    with pytest.raises(ValueError, match="120"):
        validators.date_of_birth(dt.date(1890, 1, 1), today=today)


def test_guess_identifier():
    assert validators.guess_identifier("4857773457") == ("nhs", "4857773457")
    assert validators.guess_identifier("A1234BC") == ("prison", "A1234BC")
    assert validators.guess_identifier("X123456") == ("probation", "X123456")
    assert validators.guess_identifier("Jo Bloggs") is None
