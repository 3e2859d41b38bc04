"""The upload page: the school's clerk imports for the own school only; the admin for any school;
problems are listed by line and column; others cannot open it."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import SchoolClass, Student
from tests.helpers.data import EXAMPLES
from tests.helpers.web import assert_russian, upload


def test_clerk_imports_for_the_own_school_only(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk27", "clerk12345")  # гимназия № 27
    assert_russian(clerk, "/imports/")
    answer = upload(clerk, "students.csv", (EXAMPLES / "students.csv").read_bytes(), school_id="1")
    assert answer.status_code == 200
    assert "обучающиеся — строк 3; добавлено 3" in answer.get_data(as_text=True)
    with app.app_context():
        schools = set(db.session.execute(select(Student.school_id).where(Student.external_id.isnot(None))).scalars())
        own = db.session.execute(select(SchoolClass.school_id).where(SchoolClass.name == "7 «Б»")).scalars().all()
        assert len(schools) == 1 and schools == set(own) and 1 not in schools  # not лицей № 239


def test_problems_are_listed_and_nothing_is_saved(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    bad = "student_id;last_name;first_name;birth_date;class\nS-1;Иванов;;2014-13-01;5 «А»\n".encode()
    answer = upload(clerk, "students.csv", bad)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "строка 2, столбец «first_name»: обязательное поле не заполнено" in text
    assert "строка 2, столбец «birth_date»" in text
    assert upload(clerk, "notes.pdf", b"%PDF").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Student).where(Student.external_id.isnot(None))) == 0


def test_admin_chooses_the_school_and_others_are_refused(app, login_staff):
    admin = login_staff(app.test_client(), "admin", "admin12345")
    answer = upload(admin, "classes.csv", (EXAMPLES / "classes.csv").read_bytes(), school_id="3")
    assert answer.status_code == 200
    with app.app_context():
        # the file's 7 «Б» (the demo roster's classes are 6 «А» at 239 and others, none named so)
        assert set(db.session.execute(select(SchoolClass.school_id).where(SchoolClass.name == "7 «Б»")).scalars()) == {3}
    for username, password in (("supervisor", "super12345"),):
        other = login_staff(app.test_client(), username, password)
        assert other.get("/imports/").status_code in (302, 403)
        assert upload(other, "classes.csv", b"class\n1 A\n").status_code in (302, 403)


def test_the_page_itself_shows_the_file_formats(app, login_staff):
    """The clerk cannot open the repository's docs/: the columns of every kind of file, the
    required ones, the grade kinds and attendance marks are on the upload page, in Russian."""
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    page = clerk.get("/imports/").get_data(as_text=True)
    assert "docs/" not in page and "документации" not in page and "flask diary" not in page
    assert "Форматы файлов" in page
    for required in ("student_id", "birth_date", "value", "mark", "username"):
        assert f'<strong><code lang="en" translate="no">{required}</code></strong>' in page, required
    assert "зч (зачёт) или нзч (незачёт)" in page
    assert '<code lang="en" translate="no">remark</code> — комментарий к оценке (необязательный)' in page
    assert "вид работы: текущая, контрольная, самостоятельная" in page
    assert "отметка: Н (" in page
