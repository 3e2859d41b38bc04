"""People named as in their documents (surname, first name, patronymic) and declined by pytrovich,
with the wording that agrees with the pupil's sex: app/names.py and where it is used — the paper
application, the letters, the clerk's pages, the family's pages and SMS."""
import pytest

from app.names import FullName


@pytest.mark.parametrize("text, genitive, dative", [
    ("Иванова Мария Петровна", "Ивановой Марии Петровны", "Ивановой Марии Петровне"),
    ("Иванов Иван Иванович", "Иванова Ивана Ивановича", "Иванову Ивану Ивановичу"),
    ("Римская-Корсакова Анна Сергеевна", "Римской-Корсаковой Анны Сергеевны", "Римской-Корсаковой Анне Сергеевне"),
    ("Греку Ирина Алексеевна", "Греку Ирины Алексеевны", "Греку Ирине Алексеевне"),
    ("Петров Пётр", "Петрова Петра", "Петрову Петру"),  # no patronymic: the first name tells
])
def test_names_are_declined_by_the_library(text, genitive, dative):
    name = FullName.parse(text)
    assert name.document == text
    assert name.declined("genitive") == genitive
    assert name.declined("dative") == dative
    assert name.declined("nominative") == text


def test_the_stored_sex_decides_where_the_name_does_not():
    # «Саша Сидоренко»: neither the first name nor the surname tells; the roster's sex does
    assert FullName("Сидоренко", "Саша", sex="f").declined("genitive") == "Сидоренко Саши"
    assert FullName("Сидоренко", "Саша", sex="f").sex_code == "f"
    assert FullName("Иванов", "Иван", "Иванович").sex_code == "m"
    assert FullName("Smith", "John").sex_code is None
    assert FullName("Smith", "John").declined("genitive") == "Smith John"  # left as it is


def test_short_form_and_placeholders():
    assert FullName.parse("Иванова Мария Петровна").short == "Иванова М. П."
    assert FullName("—", "Мария").document == "Мария"  # FAB's placeholder for a missing part
    assert FullName.parse("Мария Петровна Иванова", order="natural") == FullName("Иванова", "Мария", "Петровна")
    assert FullName.parse("Мария Иванова", order="natural") == FullName("Иванова", "Мария")
    assert not FullName.parse("   ")
