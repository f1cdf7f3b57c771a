"""What a passage says, and whether a sentence says the same: the judge and the citations built on it.

`claims.judge` decides whether a passage supports, contradicts or does not speak to a sentence
(grades bound to their area, numbers, years, places, "not", antonyms, finding vs. request);
`citations` turns that into the checked, cited sentences every answer is made of.
"""
