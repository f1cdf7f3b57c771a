"""The answer engine: one question in, a cited answer out, every sentence checked before it is shown.

`answer.AnswerEngine` runs the steps; `prompt` fits the evidence to the model, `quotes` answers
without one, `messages` says what the engine says itself; `check` judges a manager's claims,
`brief` builds a pre-meeting brief, `evaluate` scores answers against question files.
"""
