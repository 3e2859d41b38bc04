"""Pre-aggregated figures the district and city reports read (app/reports/rollup.py)."""
from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String


class MonthFigures:
    """The academic figures of a month (columns shared by SchoolMonthStat and ClassMonthStat):
    numeric current and test grades only; pupil_lessons = lessons × pupils of the class;
    absences = Н, Б, УП marks; lates = ОП."""

    grades_sum = Column(Integer, nullable=False, default=0, server_default="0")
    grades_count = Column(Integer, nullable=False, default=0, server_default="0")
    pupil_lessons = Column(Integer, nullable=False, default=0, server_default="0")
    absences = Column(Integer, nullable=False, default=0, server_default="0")
    lates = Column(Integer, nullable=False, default=0, server_default="0")


class SchoolMonthStat(MonthFigures, Model):
    """Academic figures of a school by subject and month, pre-aggregated from grades, lessons and
    attendance (app/reports/rollup.py) so that district and city reports read thousands of rows,
    not millions (figures: MonthFigures)."""

    __tablename__ = "school_month_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    subject = Column(String(100), nullable=False)
    month = Column(Date, nullable=False)  # the first day of the month

    __table_args__ = (Index("ix_school_month_stat_month", "month", "school_id"),)


class ClassMonthStat(MonthFigures, Model):
    """The same figures by class (a school's own drill-down)."""

    __tablename__ = "class_month_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    class_name = Column(String(20), nullable=False)
    subject = Column(String(100), nullable=False)
    month = Column(Date, nullable=False)

    __table_args__ = (Index("ix_class_month_stat_school_month", "school_id", "month"),)


class ReportRefresh(Model):
    """When each pre-aggregated table was last recomputed (shown on the reports)."""

    __tablename__ = "report_refresh"
    name = Column(String(50), primary_key=True)
    refreshed_at = Column(DateTime, nullable=False)
    rows = Column(Integer, nullable=False, default=0, server_default="0")


class ApplicationMonthStat(Model):
    """Applications by school, month of submission and current state (the funnel report)."""

    __tablename__ = "application_month_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    month = Column(Date, nullable=False)
    state = Column(String(20), nullable=False)
    applications = Column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (Index("ix_application_month_stat_month", "month", "school_id"),)


class ApprovalDaysStat(Model):
    """Approved applications by school, month of submission and whole days from submission to
    approval (rounded up): medians and percentiles of the time to approval come from these."""

    __tablename__ = "approval_days_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    month = Column(Date, nullable=False)
    days = Column(Integer, nullable=False)
    applications = Column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (Index("ix_approval_days_stat_month", "month", "school_id"),)


class CoverageStat(Model):
    """Pupils of a class and how many of them have a connected official representative."""

    __tablename__ = "coverage_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    class_name = Column(String(20), nullable=False)
    pupils = Column(Integer, nullable=False, default=0, server_default="0")
    connected = Column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (Index("ix_coverage_stat_school", "school_id"),)


class SchoolAccessStat(Model):
    """Per school: parents with access who never logged in after it was granted; invitations
    sent and accepted."""

    __tablename__ = "school_access_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, unique=True)
    never_logged_in = Column(Integer, nullable=False, default=0, server_default="0")
    invitations_sent = Column(Integer, nullable=False, default=0, server_default="0")
    invitations_accepted = Column(Integer, nullable=False, default=0, server_default="0")
