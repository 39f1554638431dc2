"""App: the stages wired for people.

`PolicyQA` (service) builds every stage from one Settings; the CLI, document admin, feedback, logins
and rate limits sit on top of it. ui/ and evals/ use this package; no stage imports it.
"""
