"""Imported by the PDF workers' fork server only: load the fonts once for every worker it forks.

The fork server (pdf.worker_context) imports this after the pdf module; every worker is
forked from it with the app's fonts and stylesheets already loaded (pdf.load_for_workers).
Should loading fail, the server still starts, and each worker loads its own and reports
the real error with the job it fails.
"""

from __future__ import annotations

import contextlib

from readiness.reports import pdf

# Each worker loads its own then, and says why it cannot with the job it fails.
with contextlib.suppress(Exception):
    pdf.load_for_workers()
