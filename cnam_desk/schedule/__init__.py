"""The exam schedule: years, semesters, sessions and deadlines, exams, enrolments, clashes, exports."""
