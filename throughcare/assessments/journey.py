"""One question per page: the order of an instrument's questions as the person answers them.

Pure functions of a section and its answers, shared by the holistic assessment and outcome review pages.
The questions asked are the instrument's branching (`instruments.shown`): a question whose `show_if` does
not hold is never asked, and the save drops any answer it had (answers.clean_section). A date is one
question (its day, month and year boxes are one GOV.UK question); everything else is one question a page.
docs/decisions/0010-assessments-and-outcomes.md says why.
"""

from __future__ import annotations

from throughcare.assessments.instruments import Question, Section, shown

NOT_STARTED, IN_PROGRESS, COMPLETED = "Not yet started", "In progress", "Completed"


def asked(section: Section, answers: dict) -> list[Question]:
    """The section's questions that are asked, given the section's answers."""
    return shown(section, answers)


def is_asked(section: Section, answers: dict, question_id: str) -> bool:
    return any(q.id == question_id for q in asked(section, answers))


def _position(section: Section, question_id: str) -> int:
    return next(i for i, q in enumerate(section.questions) if q.id == question_id)


def next_question(section: Section, answers: dict, question_id: str) -> Question | None:
    """The next question asked after `question_id` (in the instrument's order), or None at the section's end."""
    here = _position(section, question_id)
    return next((q for q in asked(section, answers) if _position(section, q.id) > here), None)


def previous_question(section: Section, answers: dict, question_id: str) -> Question | None:
    """The question asked before `question_id`, or None at the section's start (the back link)."""
    here = _position(section, question_id)
    earlier = [q for q in asked(section, answers) if _position(section, q.id) < here]
    return earlier[-1] if earlier else None


def newly_opened(section: Section, before: dict, after: dict, question_id: str) -> Question | None:
    """After a changed answer, the first question that the change opened (asked now, not asked before, not
    answered, and after the changed question): "Change" from check your answers goes there before returning."""
    was = {q.id for q in asked(section, before)}
    here = _position(section, question_id)
    return next((q for q in asked(section, after) if q.id not in was and after.get(q.id) is None
                 and _position(section, q.id) > here), None)


def needs_answer(question: Question) -> bool:
    """Free text that is not required (the person's own words) may be left blank in a completed section."""
    return question.required or question.type != "text"


def status(section: Section, answers: dict) -> str:
    """Not yet started (nothing answered), Completed (every question asked answered, bar optional free text),
    or In progress."""
    questions = asked(section, answers)
    if not any(answers.get(q.id) is not None for q in questions):
        return NOT_STARTED
    if all(answers.get(q.id) is not None for q in questions if needs_answer(q)):
        return COMPLETED
    return IN_PROGRESS


def resume_at(section: Section, answers: dict) -> Question:
    """Where a section's link opens: its first unanswered question while in progress, else its first question."""
    questions = asked(section, answers)
    if status(section, answers) == IN_PROGRESS:
        return next((q for q in questions if answers.get(q.id) is None and needs_answer(q)), questions[0])
    return questions[0]


def with_answer(answers: dict, question: Question, value) -> dict:
    """The section's answers with `question` answered `value` (None or blank removes the answer)."""
    merged = {k: v for k, v in answers.items() if k != question.id}
    if value not in (None, "", []):
        merged[question.id] = value
    return merged
