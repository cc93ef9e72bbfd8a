"""Presentation of a workflow definition for people: the state diagram as an
accessible SVG (`svg`). Drawn from the definition; the engine knows nothing of it."""
