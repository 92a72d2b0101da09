"""Voice analysis: a pure-Python library (no Django) from a consultation paper and its responses to a
published summary. See docs/voice.md and docs/decisions/0016-voice.md.

Modules: documents (read .txt/.pdf/.docx/.csv), paper (questions), mapping (passages to questions and
closed answers), vectors (TF-IDF/LSA embeddings), campaigns (near-duplicates), themes (proposal, analyst
edits, classifier, stance), redact (personal data), publish (summary HTML/PDF), pipeline (end to end).
"""
