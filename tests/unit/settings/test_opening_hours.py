"""Opening hours as data: parsing, refusing bad files, open at an instant, the next opening
(weekends, closed dates, daylight saving time, split days), and how an opening is said."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from settings.clinic import SettingsError, load_clinic_settings
from settings.hours import describe_instant, parse_opening_hours

NY = ZoneInfo("America/New_York")
WEEKDAYS_8_TO_5 = {day: "08:00-17:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def hours(week=None, closed=None):
    return parse_opening_hours(week if week is not None else WEEKDAYS_8_TO_5, closed, NY)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


def test_open_inside_a_period_and_closed_at_its_end():
    """Tried: a Wednesday at 7:59, 8:00, 16:59, 17:00; a Saturday noon; the same instant in UTC."""
    clinic = hours()
    assert not clinic.is_open(ny(2026, 12, 2, 7, 59))
    assert clinic.is_open(ny(2026, 12, 2, 8, 0))
    assert clinic.is_open(ny(2026, 12, 2, 16, 59))
    assert not clinic.is_open(ny(2026, 12, 2, 17, 0))
    assert not clinic.is_open(ny(2026, 12, 5, 12, 0))
    assert clinic.is_open(datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc))  # 9 AM in New York


def test_next_opening_skips_the_weekend_and_closed_dates():
    """Tried: Friday evening (opens Monday), and a Friday evening before a Monday holiday."""
    assert hours().next_opening(ny(2026, 11, 27, 18, 0)) == ny(2026, 11, 30, 8, 0)
    holiday = hours(closed=["2026-11-30"])
    assert not holiday.is_open(ny(2026, 11, 30, 10, 0))
    assert holiday.next_opening(ny(2026, 11, 27, 18, 0)) == ny(2026, 12, 1, 8, 0)


def test_next_opening_while_open_is_the_next_period():
    """Tried: a split day (8-12, 13-17) at 12:30 and at 9:00."""
    split = hours({"monday": "08:00-12:00, 13:00-17:00"})
    assert not split.is_open(ny(2026, 11, 30, 12, 30))
    assert split.next_opening(ny(2026, 11, 30, 12, 30)) == ny(2026, 11, 30, 13, 0)
    assert split.next_opening(ny(2026, 11, 30, 9, 0)) == ny(2026, 11, 30, 13, 0)


def test_hours_follow_daylight_saving_time():
    """Tried: 8 AM on the Mondays after the clocks change (March 8 and November 1, 2026):
    the same wall time, an hour apart in UTC; the skipped hour (2:30 AM on March 8) as an opening."""
    clinic = hours()
    march = clinic.next_opening(datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc))
    assert march is not None and march.astimezone(timezone.utc) == datetime(
        2026, 3, 9, 12, 0, tzinfo=timezone.utc
    )
    november = clinic.next_opening(datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc))
    assert november is not None
    assert november.astimezone(timezone.utc) == datetime(2026, 11, 2, 13, 0, tzinfo=timezone.utc)
    assert clinic.is_open(datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc))  # 8 AM EDT
    assert not clinic.is_open(datetime(2026, 11, 2, 12, 59, tzinfo=timezone.utc))  # 7:59 AM EST
    night = hours({"sunday": "02:30-04:00"})
    opening = night.next_opening(ny(2026, 3, 7, 12, 0))
    assert opening is not None and opening.astimezone(timezone.utc) == datetime(
        2026, 3, 8, 7, 30, tzinfo=timezone.utc
    )  # 2:30 EST does not exist that night: 3:30 EDT, the same instant


def test_open_all_day_and_never_open():
    """Tried: 00:00-24:00 every day (open at midnight and at 23:59), and a week with no hours."""
    always = hours(
        {
            day: "00:00-24:00"
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        }
    )
    assert always.is_open(ny(2026, 12, 6, 0, 0)) and always.is_open(ny(2026, 12, 6, 23, 59))
    never = hours({"monday": "closed"})
    assert not never.ever_open and never.next_opening(ny(2026, 12, 6, 0, 0)) is None


def test_an_instant_without_a_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        hours().is_open(datetime(2026, 12, 2, 9, 0))


@pytest.mark.parametrize(
    ("week", "closed", "message"),
    [
        ({"monday": "8 to 5"}, None, "monday.*08:00-17:00"),
        ({"monday": "17:00-08:00"}, None, "ends before it starts"),
        ({"monday": "08:00-25:00"}, None, "time of day"),
        ({"monday": "08:61-12:00"}, None, "time of day"),
        ({"monday": "08:00-12:00, 11:00-13:00"}, None, "overlap"),
        ({"funday": "08:00-12:00"}, None, "funday is not a weekday"),
        (["08:00-17:00"], None, "must map weekdays"),
        (WEEKDAYS_8_TO_5, ["Christmas"], "Christmas"),
        (WEEKDAYS_8_TO_5, "2026-12-25", "list of dates"),
    ],
)
def test_bad_hours_say_what_is_wrong(tmp_path, week, closed, message):
    """Tried: each malformed value; the clinic file is refused with a message that names it."""
    import yaml

    path = tmp_path / "clinic.yml"
    content = {"name": "X", "phone": "1", "hours": "h", "opening_hours": week}
    if closed is not None:
        content["closed_dates"] = closed
    path.write_text(yaml.safe_dump(content))
    with pytest.raises(SettingsError, match=message):
        load_clinic_settings({"CLINIC_CONFIG": str(path)})


def test_the_shipped_file_has_weekday_hours_and_holidays():
    clinic = load_clinic_settings({})
    schedule = clinic.schedule
    assert schedule.is_open(ny(2026, 12, 2, 9, 0)) and not schedule.is_open(ny(2026, 12, 5, 9, 0))
    assert date(2026, 12, 25) in schedule.closed_dates
    assert schedule.next_opening(ny(2026, 12, 24, 18, 0)) == ny(2026, 12, 28, 8, 0)


def test_a_file_without_hours_is_always_open_and_closed_dates_alone_are_refused(tmp_path):
    path = tmp_path / "clinic.yml"
    path.write_text("name: X\nphone: '1'\nhours: h\n")
    clinic = load_clinic_settings({"CLINIC_CONFIG": str(path)})
    assert clinic.opening_hours is None and clinic.schedule.is_open(ny(2026, 12, 6, 3, 0))
    path.write_text("name: X\nphone: '1'\nhours: h\nclosed_dates: [2026-12-25]\n")
    with pytest.raises(SettingsError, match="closed_dates needs opening_hours"):
        load_clinic_settings({"CLINIC_CONFIG": str(path)})


def test_unquoted_yaml_dates_are_read_as_dates(tmp_path):
    path = tmp_path / "clinic.yml"
    path.write_text(
        "name: X\nphone: '1'\nhours: h\nopening_hours: {monday: '08:00-17:00'}\nclosed_dates: [2026-11-30]\n"
    )
    clinic = load_clinic_settings({"CLINIC_CONFIG": str(path)})
    assert clinic.schedule.next_opening(ny(2026, 11, 29, 0, 0)) == ny(2026, 12, 7, 8, 0)


@pytest.mark.parametrize(
    ("opening", "said"),
    [
        (ny(2026, 11, 30, 13, 0), "today at 1:00 PM"),
        (ny(2026, 12, 1, 8, 0), "tomorrow at 8:00 AM"),
        (ny(2026, 12, 4, 8, 30), "Friday at 8:30 AM"),
        (ny(2026, 12, 28, 8, 0), "Monday, December 28 at 8:00 AM"),
    ],
)
def test_an_opening_is_said_the_way_people_say_it(opening, said):
    assert describe_instant(opening, ny(2026, 11, 30, 12, 30), NY) == said
