"""Questions answered from the report records, with no model, every figure cited.

Grades, dates, inspectors, counts, changes, the comparison grid and each report's own "what needs
to improve" list, each cited to the page that states it.

The engine reads a question with `read_record_question` and, when it asks only for figures, answers
it with `answer_from_records`; nothing here imports the engine.
"""
