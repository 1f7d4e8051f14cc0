"""Signals that lower domains send when they change what readiness is computed from.

The engine keeps derived data (stored per person) and listens to these, so personnel,
training and records never import it. Receivers run inside the sender's transaction.
"""

from blinker import Namespace

_signals = Namespace()

#: People were created or their unit, role, status or earmark changed; kwarg `person_ids`.
people_changed = _signals.signal("people-changed")
#: Requirements were created or deleted (any person may be affected); no kwargs.
requirements_changed = _signals.signal("requirements-changed")
#: Completions or attainments were recorded or revoked; kwarg `person_ids`, and when completions
#: were only added, `added_completions`: (person_id, course_id, completed_on, expires_on) of each.
records_changed = _signals.signal("records-changed")
