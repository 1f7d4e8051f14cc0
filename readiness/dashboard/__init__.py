"""The commander's readiness pages: a unit today, on deployment day and over time."""
