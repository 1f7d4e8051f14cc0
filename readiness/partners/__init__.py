"""Partner organisations (UN, NATO, partner nations) and the readiness reports sent to them."""
