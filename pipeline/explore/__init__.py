"""What researchers do after a run: count (stats), read in context (kwic), move data out (export).

Every function takes a Store and returns plain lists of dicts, so a notebook gets exactly what the
CLI prints. The HTML report (pipeline.report) is built on the same functions.
"""

from pipeline.explore.export import export
from pipeline.explore.kwic import kwic
from pipeline.explore.stats import FIELDS, stats, theme_cooccurrence, topic_prevalence

__all__ = ["FIELDS", "export", "kwic", "stats", "theme_cooccurrence", "topic_prevalence"]
